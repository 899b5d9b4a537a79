package io.kvstore.lease;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A lease kept alive in the background, as etcd's {@code concurrency.Session}: the keys of
 * elections and locks are attached to it, so they vanish when it ends.
 *
 * <p>A session is lost the moment the store says its lease is gone, or when no renewal sent in
 * the last {@link SessionOptions#confirmWithin()} has been confirmed: the store counts a lease's
 * TTL from when it receives a renewal, which is after the client sent it, so a session that
 * reports itself valid is valid on the store too (up to the clock drift between the machines
 * over one {@code confirmWithin}).
 *
 * <p>Thread-safety: safe for concurrent use. Renewals and loss detection run on the scheduler
 * given at open; listeners run there and must not block.
 *
 * <p>Invariant: {@link #lost()} completes exactly once, after which no renewal is sent.
 */
public final class Session implements AutoCloseable {
  private final CoordinationStore store;
  private final SessionOptions options;
  private final ScheduledExecutorService scheduler;
  private final LongSupplier nanoTime;
  private final long leaseId;
  private final CompletableFuture<SessionLoss> lost = new CompletableFuture<>();
  private final ScheduledFuture<?> renewals;

  /** Send time of the newest confirmed renewal (or of the grant); guarded by {@code this}. */
  private long confirmedSentNanos;
  /** Fires when {@link #confirmedSentNanos} + confirmWithin passes; guarded by {@code this}. */
  private ScheduledFuture<?> deadline;

  private Session(CoordinationStore store, SessionOptions options,
      ScheduledExecutorService scheduler, LongSupplier nanoTime, long leaseId, long grantSent) {
    this.store = store;
    this.options = options;
    this.scheduler = scheduler;
    this.nanoTime = nanoTime;
    this.leaseId = leaseId;
    synchronized (this) {
      confirm(grantSent);
    }
    long every = options.keepAliveInterval().toNanos();
    this.renewals = scheduler.scheduleWithFixedDelay(this::renew, every, every,
        TimeUnit.NANOSECONDS);
  }

  /**
   * Grants a lease and starts renewing it.
   *
   * @param scheduler runs the renewals and deadline checks (shared by many sessions is fine)
   */
  public static CompletableFuture<Session> open(CoordinationStore store, SessionOptions options,
      ScheduledExecutorService scheduler) {
    return open(store, options, scheduler, System::nanoTime);
  }

  static CompletableFuture<Session> open(CoordinationStore store, SessionOptions options,
      ScheduledExecutorService scheduler, LongSupplier nanoTime) {
    options.validate();
    long sent = nanoTime.getAsLong();
    return store.grantLease(options.ttl()).thenApply(grant ->
        new Session(store, options, scheduler, nanoTime, grant.id(), sent));
  }

  /** The lease every key of this session is attached to. */
  public long leaseId() {
    return leaseId;
  }

  /** Completes once, when the session ends, saying why. */
  public CompletionStage<SessionLoss> lost() {
    return lost.minimalCompletionStage();
  }

  /** Calls {@code listener} when the session ends (at once if it has). */
  public void onLost(Consumer<SessionLoss> listener) {
    lost.thenAccept(listener);
  }

  /** Whether the session has not ended and its lease is confirmed as of now. */
  public synchronized boolean isValid() {
    return !lost.isDone()
        && nanoTime.getAsLong() - confirmedSentNanos < options.confirmWithin().toNanos();
  }

  /** Fails with {@link SessionLostException} if the session has ended. */
  void checkValid() {
    SessionLoss loss = lost.getNow(null);
    if (loss != null) {
      throw new SessionLostException(loss);
    }
  }

  private void renew() {
    if (lost.isDone()) {
      return;
    }
    long sent = nanoTime.getAsLong();
    store.keepAliveOnce(leaseId).whenComplete((ttl, error) -> {
      if (error != null) {
        return; // unconfirmed; the deadline decides
      }
      if (ttl <= 0) {
        end(new SessionLoss(SessionLoss.Reason.LEASE_GONE, "lease " + Long.toHexString(leaseId)
            + " no longer exists"));
        return;
      }
      synchronized (this) {
        if (sent - confirmedSentNanos > 0) {
          confirm(sent);
        }
      }
    });
  }

  /** Records a confirmed renewal sent at {@code sent} and moves the deadline. */
  private void confirm(long sent) {
    confirmedSentNanos = sent;
    if (deadline != null) {
      deadline.cancel(false);
    }
    long delay = sent + options.confirmWithin().toNanos() - nanoTime.getAsLong();
    deadline = scheduler.schedule(this::checkDeadline, Math.max(0, delay), TimeUnit.NANOSECONDS);
  }

  private void checkDeadline() {
    synchronized (this) {
      if (nanoTime.getAsLong() - confirmedSentNanos < options.confirmWithin().toNanos()) {
        return;
      }
    }
    end(new SessionLoss(SessionLoss.Reason.UNCONFIRMED, "no renewal of lease "
        + Long.toHexString(leaseId) + " confirmed within " + options.confirmWithin()));
  }

  private void end(SessionLoss loss) {
    if (!lost.complete(loss)) {
      return;
    }
    renewals.cancel(false);
    synchronized (this) {
      if (deadline != null) {
        deadline.cancel(false);
      }
    }
  }

  /** Ends the session and revokes its lease, deleting its keys; completes when revoked. */
  public CompletableFuture<Void> closeAsync() {
    end(new SessionLoss(SessionLoss.Reason.CLOSED, "session closed"));
    return store.revokeLease(leaseId);
  }

  /** Ends the session and revokes its lease without waiting for the store. */
  @Override
  public void close() {
    closeAsync();
  }
}
