package io.kvstore.server.differential;

import java.nio.file.Path;
import java.util.Locale;

/**
 * What the differential suite compares real etcd with, chosen by {@code
 * -Ddifferential.target=etcd|kvstore}: a second real etcd cluster, which proves the harness and its
 * normalisation (two etcd clusters must always agree), or a kvstore cluster of kv-server processes
 * started through the process test helpers, which is the default. Immutable.
 */
enum Target {
  ETCD {
    @Override
    TestCluster start(Path dir) {
      return ReferenceEtcd.start(dir);
    }
  },
  KVSTORE {
    @Override
    TestCluster start(Path dir) {
      return KvstoreCluster.start(dir);
    }
  };

  /** The system property that chooses the target. */
  static final String PROPERTY = "differential.target";
  private static final Target DEFAULT = KVSTORE;

  /** Starts a fresh three-member cluster of this kind, its files under {@code dir}. */
  abstract TestCluster start(Path dir);

  /** The target named by {@link #PROPERTY}, or the default; throws on an unknown name. */
  static Target chosen() {
    String name = System.getProperty(PROPERTY, DEFAULT.name()).trim();
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("-D" + PROPERTY + "=" + name
          + " is neither etcd nor kvstore", e);
    }
  }
}
