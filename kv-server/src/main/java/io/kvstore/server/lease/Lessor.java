package io.kvstore.server.lease;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.api.etcdserverpb.LeaseCheckpoint;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.server.backend.Backend;
import io.kvstore.server.mvcc.LeaseLookup;
import io.kvstore.server.mvcc.LeaseNotFoundException;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.pb.LeaseExpire;
import io.kvstore.server.pb.LeaseRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * etcd's lessor: the leases of the cluster, their attached keys, and — on the leader only — their
 * expiry.
 *
 * <p>Thread-safety: safe for concurrent use; every method holds the lessor's lock, and none
 * blocks or does I/O beyond filling a batch it is handed. Replicated changes ({@link #grant},
 * {@link #remove}, {@link #checkpoint}, {@link #renewApplied}, {@link #attachments}) come from the
 * apply thread in log order, so every member holds the same leases, TTLs, checkpoints and keys.
 * The expiry loop calls {@link #promote}, {@link #demote} and {@link #dueWork}; gRPC threads call
 * {@link #renewHere}, {@link #timeToLive} and {@link #leases}.
 *
 * <p>Expiry, as etcd's: only the primary lessor — the member that leads, once it has applied
 * every entry of earlier terms — has finite expiries; it alone decides that a lease expired and
 * proposes its revocation through Raft. Every other member keeps expiries at {@link Lease#NEVER}.
 * On promotion every lease gets {@code now + extension + remaining}, where the remaining TTL is
 * the last checkpointed one if any; the primary checkpoints long leases periodically so that
 * repeated leader changes cannot keep a lease alive forever.
 *
 * <p>Renewals through Raft and conditional expiry: a keep-alive the primary cannot serve from
 * memory (it reached a follower, or the lease carries a checkpointed remaining TTL) is logged as
 * a {@code LeaseRenew}; applying it clears the checkpoint on every member and, on the primary,
 * resets the expiry. Each lease records the index of its last such renewal, and an expiry is
 * proposed with the highest renewal index the primary had applied when it decided; the
 * revocation takes effect only if no renewal of the lease was applied after that index. So a
 * keep-alive answered with a positive TTL is never followed by the revocation of an expiry
 * decided before it.
 */
public final class Lessor implements LeaseLookup {
  /** The largest TTL a lease may be granted, in seconds (etcd's {@code MaxLeaseTTL}). */
  public static final long MAX_LEASE_TTL = 9_000_000_000L;
  /** {@link #renewHere}'s answer when the renewal must go through Raft. */
  public static final long RENEW_THROUGH_RAFT = -1;

  private final LessorConfig config;
  /** Monotonic nanoseconds. */
  private final LongSupplier clock;
  /** Guarded by {@code this}: every lease, by id. */
  private final Map<Long, Lease> leases = new HashMap<>();
  /**
   * Guarded by {@code this}: the lease each attached key belongs to (etcd's {@code itemMap}), so
   * that a put replacing a leased value detaches it without reading that value.
   */
  private final Map<ByteString, Long> leaseOfKey = new HashMap<>();
  /** Guarded by {@code this}: whether this member is the primary lessor. */
  private boolean primary;
  /** Guarded by {@code this}: the highest renewal index applied; ≥ every lease's renewedIndex. */
  private long lastRenewIndex;

  /** A lease's state for {@code LeaseTimeToLive}. Immutable. */
  public record TimeToLive(long id, long remainingSeconds, long grantedTtl,
      List<ByteString> keys) {
    public TimeToLive {
      keys = List.copyOf(keys);
    }
  }

  /**
   * What the primary should propose now: revocations of expired leases, and checkpoints of the
   * remaining TTL of long ones. Immutable.
   */
  public record DueWork(List<LeaseExpire> expired, List<LeaseCheckpoint> checkpoints) {
    public DueWork {
      expired = List.copyOf(expired);
      checkpoints = List.copyOf(checkpoints);
    }
  }

  public Lessor(LessorConfig config, LongSupplier nanoClock) {
    this.config = config.validate();
    this.clock = nanoClock;
  }

  // ---- replicated changes (apply thread) -------------------------------------------------------

  @Override
  public synchronized boolean exists(long leaseId) {
    return leases.containsKey(leaseId);
  }

  /**
   * Grants lease {@code id} (etcd's {@code Grant}), raising the TTL to the minimum; records it in
   * {@code batch}. Returns the granted TTL.
   *
   * @throws LeaseTtlTooLargeException if {@code ttl} exceeds {@link #MAX_LEASE_TTL}
   * @throws LeaseExistsException if the id is taken
   */
  public synchronized long grant(long id, long ttl, Backend.Batch batch) {
    if (id == 0) {
      throw new LeaseNotFoundException();
    }
    if (ttl > MAX_LEASE_TTL) {
      throw new LeaseTtlTooLargeException();
    }
    if (leases.containsKey(id)) {
      throw new LeaseExistsException();
    }
    Lease lease = new Lease(id, Math.max(ttl, config.minTtlSeconds()));
    long now = clock.getAsLong();
    lease.estimatedExpiry = Lease.after(now, lease.ttl);
    if (primary) {
      startExpiry(lease, now, 0);
    }
    leases.put(id, lease);
    batch.putLease(id, lease.record().toByteArray());
    return lease.ttl;
  }

  /**
   * The keys attached to lease {@code id}, in key order: what its revocation deletes.
   *
   * @throws LeaseNotFoundException if there is no such lease
   */
  public synchronized List<ByteString> keys(long id) {
    return List.copyOf(existing(id).keys);
  }

  /**
   * Forgets lease {@code id} and deletes its record in {@code batch}, the batch that deletes its
   * keys (etcd's {@code Revoke}).
   *
   * @throws LeaseNotFoundException if there is no such lease
   */
  public synchronized void remove(long id, Backend.Batch batch) {
    existing(id);
    leases.remove(id);
    batch.deleteLease(id);
  }

  /**
   * Records checkpointed remaining TTLs (etcd's {@code Checkpoint}, persisted as etcd 3.6 does);
   * a remaining TTL of 0 clears the checkpoint. Unknown leases are skipped.
   */
  public synchronized void checkpoint(List<LeaseCheckpoint> checkpoints, Backend.Batch batch) {
    long now = clock.getAsLong();
    for (LeaseCheckpoint c : checkpoints) {
      Lease lease = leases.get(c.getID());
      if (lease != null) {
        lease.remainingTtl = c.getRemainingTTL();
        if (c.getRemainingTTL() > 0) {
          lease.estimatedExpiry = Lease.after(now, c.getRemainingTTL());
        }
        batch.putLease(lease.id, lease.record().toByteArray());
      }
    }
  }

  /**
   * Applies a renewal logged at {@code index}: clears the lease's checkpoint and records the
   * index on every member; resets the expiry on the primary. Returns the TTL, or 0 if there is
   * no such lease (etcd's keep-alive answer for an unknown lease).
   */
  public synchronized long renewApplied(long id, long index, Backend.Batch batch) {
    Lease lease = leases.get(id);
    if (lease == null) {
      return 0;
    }
    long now = clock.getAsLong();
    lease.remainingTtl = 0;
    lease.renewedIndex = index;
    lastRenewIndex = Math.max(lastRenewIndex, index);
    lease.estimatedExpiry = Lease.after(now, lease.ttl);
    if (primary) {
      startExpiry(lease, now, 0);
    }
    batch.putLease(id, lease.record().toByteArray());
    return lease.ttl;
  }

  /**
   * Whether an expiry decided by the primary after applying renewals up to {@code decidedIndex}
   * still holds: the lease exists and was not renewed through Raft since.
   */
  public synchronized boolean expiryHolds(long id, long decidedIndex) {
    Lease lease = leases.get(id);
    return lease != null && lease.renewedIndex <= decidedIndex;
  }

  /**
   * Attaches and detaches keys as a committed txn's events say: a put attaches its key to its
   * lease and detaches it from the lease it was attached to; a delete detaches it.
   */
  public synchronized void attachments(List<Event> events) {
    for (Event e : events) {
      ByteString key = e.getKv().getKey();
      Long before = leaseOfKey.remove(key);
      long after = e.getType() == Event.EventType.PUT ? e.getKv().getLease() : 0;
      if (before != null && before != after) {
        Lease old = leases.get(before);
        if (old != null) {
          old.keys.remove(key);
        }
      }
      if (after != 0) {
        Lease current = leases.get(after);
        if (current != null) {
          current.keys.add(key);
          leaseOfKey.put(key, after);
        }
      }
    }
  }


  /**
   * Replaces every lease with those recorded in {@code backend}, attached to the live keys of
   * {@code store} (etcd's {@code Recover}): at start and after a snapshot replaced the backend.
   */
  public synchronized void recover(Backend backend, MvccStore store) {
    leases.clear();
    leaseOfKey.clear();
    lastRenewIndex = 0;
    long now = clock.getAsLong();
    backend.scanLeases((key, value) -> {
      LeaseRecord r = parse(key, value);
      Lease lease = new Lease(r.getId(), Math.max(r.getTtl(), config.minTtlSeconds()));
      lease.remainingTtl = r.getRemainingTtl();
      lease.renewedIndex = r.getRenewedIndex();
      lease.estimatedExpiry = Lease.after(now, lease.startingTtl());
      lastRenewIndex = Math.max(lastRenewIndex, lease.renewedIndex);
      if (primary) {
        startExpiry(lease, now, config.promoteExtension().toNanos());
      }
      leases.put(lease.id, lease);
      return true;
    });
    if (leases.isEmpty()) {
      return;
    }
    store.forEachLive(kv -> {
      Lease lease = kv.getLease() == 0 ? null : leases.get(kv.getLease());
      if (lease != null) {
        lease.keys.add(kv.getKey());
        leaseOfKey.put(kv.getKey(), lease.id);
      }
    });
  }

  // ---- primary role (expiry loop) --------------------------------------------------------------

  public synchronized boolean isPrimary() {
    return primary;
  }

  /**
   * Makes this member the primary lessor (etcd's {@code Promote}): every lease expires after the
   * extension plus its remaining TTL (the checkpointed one if set).
   */
  public synchronized void promote() {
    primary = true;
    long now = clock.getAsLong();
    long extension = config.promoteExtension().toNanos();
    for (Lease lease : leases.values()) {
      startExpiry(lease, now, extension);
    }
  }

  /**
   * Ends the primary role (etcd's {@code Demote}): no lease expires here any more; the last
   * expiries become the estimates this member reports.
   */
  public synchronized void demote() {
    primary = false;
    for (Lease lease : leases.values()) {
      if (lease.expiry != Lease.NEVER) {
        lease.estimatedExpiry = lease.expiry;
      }
      lease.expiry = Lease.NEVER;
      lease.nextCheckpoint = Lease.NEVER;
    }
  }

  /**
   * On the primary, the leases to revoke (expired, and not proposed within the retry interval)
   * and the checkpoints due; nothing elsewhere. Marks what it returns as proposed.
   */
  public synchronized DueWork dueWork() {
    if (!primary) {
      return new DueWork(List.of(), List.of());
    }
    long now = clock.getAsLong();
    List<LeaseExpire> expired = new ArrayList<>();
    List<LeaseCheckpoint> checkpoints = new ArrayList<>();
    for (Lease lease : leases.values()) {
      if (lease.expiry - now <= 0) {
        if (lease.expireRetryAt - now <= 0) {
          lease.expireRetryAt = now + config.expireRetryInterval().toNanos();
          expired.add(LeaseExpire.newBuilder().setId(lease.id).setDecidedIndex(lastRenewIndex)
              .build());
        }
      } else if (lease.nextCheckpoint != Lease.NEVER && lease.nextCheckpoint - now <= 0) {
        long remaining = Lease.secondsUntilCeil(now, lease.expiry);
        if (remaining < lease.ttl) {
          checkpoints.add(LeaseCheckpoint.newBuilder().setID(lease.id)
              .setRemainingTTL(remaining).build());
        }
        scheduleCheckpoint(lease, now, remaining);
      }
    }
    expired.sort(Comparator.comparingLong(LeaseExpire::getId));
    checkpoints.sort(Comparator.comparingLong(LeaseCheckpoint::getID));
    return new DueWork(expired, checkpoints);
  }

  // ---- client requests (gRPC threads) ----------------------------------------------------------

  /**
   * Renews lease {@code id} from memory if this member can (etcd's {@code Renew}): it is the
   * primary, and the lease has not expired and carries no checkpoint. Returns the TTL; 0 if there
   * is no such lease; {@link #RENEW_THROUGH_RAFT} if the renewal must be logged instead.
   */
  public synchronized long renewHere(long id) {
    Lease lease = leases.get(id);
    if (lease == null) {
      return 0;
    }
    long now = clock.getAsLong();
    if (!primary || lease.remainingTtl > 0 || lease.expiry - now <= 0) {
      return RENEW_THROUGH_RAFT;
    }
    startExpiry(lease, now, 0);
    lease.estimatedExpiry = lease.expiry;
    return lease.ttl;
  }

  /**
   * Lease {@code id}'s remaining and granted TTL, and its keys if asked; empty if there is no
   * such lease. The primary reports its expiry; another member its estimate (see {@link
   * Lease#estimatedExpiry}), never below 0.
   */
  public synchronized Optional<TimeToLive> timeToLive(long id, boolean withKeys) {
    Lease lease = leases.get(id);
    if (lease == null) {
      return Optional.empty();
    }
    long now = clock.getAsLong();
    long remaining = primary ? Lease.secondsUntil(now, lease.expiry)
        : Math.max(0, Lease.secondsUntil(now, lease.estimatedExpiry));
    return Optional.of(new TimeToLive(id, remaining, lease.ttl,
        withKeys ? List.copyOf(lease.keys) : List.of()));
  }

  /** Every lease id, soonest expiring first (etcd's {@code Leases}), ties by id. */
  public synchronized List<Long> leases() {
    return leases.values().stream()
        .sorted(Comparator.comparingLong((Lease l) -> primary ? l.expiry : l.estimatedExpiry)
            .thenComparingLong(l -> l.id))
        .map(l -> l.id)
        .toList();
  }

  // ---- internals -------------------------------------------------------------------------------

  private Lease existing(long id) {
    Lease lease = leases.get(id);
    if (lease == null) {
      throw new LeaseNotFoundException();
    }
    return lease;
  }

  /** Primary only: the lease expires after {@code extension} plus its remaining TTL. */
  private void startExpiry(Lease lease, long now, long extension) {
    lease.expiry = Lease.after(now + extension, lease.startingTtl());
    lease.expireRetryAt = now;
    scheduleCheckpoint(lease, now, lease.startingTtl());
  }

  /** etcd's {@code scheduleCheckpointIfNeeded}: only leases outliving one interval. */
  private void scheduleCheckpoint(Lease lease, long now, long remainingSeconds) {
    long interval = config.checkpointInterval().toNanos();
    lease.nextCheckpoint = remainingSeconds > config.checkpointInterval().toSeconds()
        ? now + interval : Lease.NEVER;
  }

  private static LeaseRecord parse(byte[] key, byte[] value) {
    try {
      return LeaseRecord.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("lease " + Long.toHexString(ByteBuffer.wrap(key).getLong())
          + " has a damaged record", e);
    }
  }
}
