package io.kvstore.lease;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active/passive leadership for replicas of a component, in client-go's style, over an etcd
 * election: each replica opens a session whose lease lasts {@code leaseDuration} and is renewed
 * every {@code retryPeriod}, campaigns with its identity, and leads while the session lasts. When
 * no renewal has been confirmed for {@code renewDeadline}, the replica stops leading at once —
 * before the store can expire the lease and elect another. A replica that stops leading, or fails
 * to campaign, starts over after {@code retryPeriod} until the elector is closed.
 *
 * <p>Thread-safety: {@link #start} and {@link #close} may be called from any thread. The state
 * machine runs on the scheduler; {@link LeaderCallbacks#onStoppedLeading} and {@code onNewLeader}
 * run on one callback thread in order; {@code onStartedLeading} runs on a thread per term.
 *
 * <p>Invariants: at most one term is current; its {@code onStoppedLeading} follows its {@code
 * onStartedLeading} exactly once.
 */
public final class LeaderElector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderElector.class);

  private final CoordinationStore store;
  private final LeaderElectorConfig config;
  private final LeaderCallbacks callbacks;
  private final Election election;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService callbackThread;

  /** Guarded by {@code this}. */
  private boolean closed;
  private Session session;
  private CompletableFuture<Leadership> campaign;
  private LeaderContext current;
  private AutoCloseable observer;
  private String lastLeader;

  public LeaderElector(CoordinationStore store, LeaderElectorConfig config,
      LeaderCallbacks callbacks) {
    this.store = store;
    this.config = config.validate();
    this.callbacks = callbacks;
    this.election = new Election(store, config.election());
    String name = "leader-elector-" + config.identity();
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon(name));
    this.callbackThread = Executors.newSingleThreadExecutor(daemon(name + "-callbacks"));
  }

  /** Starts campaigning (and observing who leads) in the background. */
  public synchronized LeaderElector start() {
    observer = election.observe(this::leaderChanged, this::observeFailed);
    scheduler.execute(this::openSession);
    return this;
  }

  /** Whether this replica leads as of now. */
  public synchronized boolean isLeading() {
    return current != null && current.isLeading();
  }

  private void openSession() {
    Session.open(store, config.sessionOptions(), scheduler).whenComplete((s, error) -> {
      if (error != null) {
        LOG.debug("cannot open a session; retrying: {}", error.toString());
        retryLater();
        return;
      }
      synchronized (this) {
        if (closed) {
          s.close();
          return;
        }
        session = s;
        campaign = election.campaign(s, config.identity());
        campaign.whenComplete((term, e) -> {
          if (e != null) {
            s.close();
            retryLater();
          } else {
            startLeading(s, term);
          }
        });
      }
    });
  }

  private void startLeading(Session s, Leadership term) {
    LeaderContext context;
    synchronized (this) {
      if (closed || !s.isValid()) {
        s.close();
        retryLater();
        return;
      }
      context = new LeaderContext(term);
      current = context;
    }
    s.onLost(loss -> stopLeading(context, loss));
    Thread leading = new Thread(() -> callbacks.onStartedLeading(context),
        "leader-" + config.identity() + "-term-" + term.fencingToken());
    leading.setDaemon(true);
    leading.start();
  }

  /** Ends {@code context}'s term (once) and campaigns again unless closed. */
  private void stopLeading(LeaderContext context, SessionLoss loss) {
    synchronized (this) {
      if (current != context) {
        return;
      }
      current = null;
    }
    context.stop();
    LOG.info("{} stopped leading (term {}): {}", config.identity(), context.fencingToken(),
        loss.detail());
    callbackThread.execute(callbacks::onStoppedLeading);
    if (loss.reason() != SessionLoss.Reason.CLOSED) {
      // Best effort: a standby need not wait for the lease to expire if the store is reachable.
      context.term().session().closeAsync();
    }
    retryLater();
  }

  private void retryLater() {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    scheduler.schedule(this::openSession, config.retryPeriod().toNanos(), TimeUnit.NANOSECONDS);
  }

  private void leaderChanged(KeyValue leader) {
    String identity = leader.valueAsString();
    synchronized (this) {
      if (identity.equals(lastLeader)) {
        return;
      }
      lastLeader = identity;
    }
    callbackThread.execute(() -> callbacks.onNewLeader(identity));
  }

  private void observeFailed(Throwable error) {
    LOG.warn("observing election {} failed; retrying: {}", config.election(), error.toString());
    scheduler.schedule(() -> {
      synchronized (this) {
        if (!closed) {
          observer = election.observe(this::leaderChanged, this::observeFailed);
        }
      }
    }, config.retryPeriod().toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Stops campaigning; a current term ends ({@code onStoppedLeading} runs) and, with {@code
   * releaseOnCancel}, is resigned so a standby takes over at once.
   */
  @Override
  public void close() {
    LeaderContext term;
    Session s;
    CompletableFuture<Leadership> c;
    AutoCloseable o;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      term = current;
      s = session;
      c = campaign;
      o = observer;
    }
    if (c != null) {
      c.cancel(false);
    }
    if (term != null) {
      stopLeading(term, new SessionLoss(SessionLoss.Reason.CLOSED, "elector closed"));
    }
    if (s != null && (config.releaseOnCancel() || term == null)) {
      try {
        s.closeAsync().get(config.renewDeadline().toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        LOG.warn("{} could not revoke its lease; it expires in {}", config.identity(),
            config.leaseDuration());
      }
    }
    try {
      if (o != null) {
        o.close();
      }
    } catch (Exception e) {
      LOG.debug("closing the observer failed: {}", e.toString());
    }
    callbackThread.shutdown();
    scheduler.shutdownNow();
    try {
      callbackThread.awaitTermination(config.renewDeadline().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
