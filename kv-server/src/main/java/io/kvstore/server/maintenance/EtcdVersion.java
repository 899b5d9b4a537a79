package io.kvstore.server.maintenance;

/**
 * The etcd version kvstore answers as, in {@code Status} and {@code /version}: the release whose
 * API and behaviour it matches, so that clients that look at the version (etcdctl prints it) treat
 * it as that etcd. Constants only.
 */
public final class EtcdVersion {
  /** The server version, as etcd reports its own. */
  public static final String SERVER = "3.4.23";
  /** The cluster version: the major and minor version every member speaks. */
  public static final String CLUSTER = "3.4.0";

  private EtcdVersion() {}
}
