package io.kvstore.chaos.nemesis;

import io.kvstore.chaos.cluster.ChaosCluster;
import java.util.Random;

/**
 * One kind of fault: {@link #inject} starts it and says what it did; {@link #heal} ends it.
 *
 * <p>Thread-safety: called from the run's nemesis thread only.
 */
public interface Nemesis {
  String name();

  /** Starts the fault; returns a description for the history ("killed n2 (leader)"). */
  String inject(ChaosCluster cluster, Random random) throws Exception;

  /** Ends the fault; returns a description. */
  String heal(ChaosCluster cluster, Random random) throws Exception;
}
