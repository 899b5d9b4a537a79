package io.kvstore.server.differential;

import java.util.List;

/**
 * A running three-member cluster that etcdctl talks to, either real etcd or kvstore; closing it
 * stops every process it started. Implementations are confined to the thread that started them,
 * except that {@link #close} may also run from a JVM shutdown hook and is idempotent.
 */
interface TestCluster extends AutoCloseable {
  /** What serves this cluster, e.g. {@code etcd} or {@code kvstore}, for reports. */
  String kind();

  /** The client endpoints as etcdctl's {@code --endpoints} takes them: {@code 127.0.0.1:P}. */
  List<String> clientAddresses();

  /** The peer endpoints, {@code 127.0.0.1:P}, as member URLs show them. */
  List<String> peerAddresses();

  /** Stops every member and waits until each process is gone; never throws. */
  @Override
  void close();
}
