package io.kvstore.server;

/**
 * One running kvstore member: its Raft node, storage and listeners.
 *
 * <p>Thread-safety: {@link #run} is called once, from the main thread.
 */
public final class Member {
  private final ServerConfig config;

  public Member(ServerConfig config) {
    this.config = config;
  }

  /** Starts the member and blocks until it is shut down; returns the process exit status. */
  public int run() {
    throw new UnsupportedOperationException("written by the lead: " + config);
  }
}
