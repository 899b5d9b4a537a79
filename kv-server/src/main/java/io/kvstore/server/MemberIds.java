package io.kvstore.server;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.stream.Collectors;

/**
 * Stateless and thread-safe. Member and cluster ids derived exactly as etcd derives them when it
 * bootstraps a cluster from {@code --initial-cluster}, so the same flags give the same ids.
 *
 * <p>Member id: the first 8 bytes, big-endian, of SHA-1 over the member's peer URLs sorted and
 * joined without a separator, followed by the cluster token (etcd {@code computeMemberId} with no
 * time salt). Cluster id: the first 8 bytes of SHA-1 over the member ids sorted as unsigned
 * numbers, each written as 8 big-endian bytes (etcd {@code RaftCluster.genID}).
 */
public final class MemberIds {
  private MemberIds() {}

  /** The id etcd gives a member with these peer URLs in a cluster bootstrapped with this token. */
  public static long memberId(Collection<URI> peerUrls, String clusterToken) {
    String joined = peerUrls.stream().map(URI::toString).sorted().collect(Collectors.joining());
    return first8Bytes(sha1((joined + clusterToken).getBytes(StandardCharsets.UTF_8)));
  }

  /** The id etcd gives a cluster whose initial members have these ids. */
  public static long clusterId(Collection<Long> memberIds) {
    ByteBuffer buffer = ByteBuffer.allocate(Long.BYTES * memberIds.size());
    memberIds.stream().sorted(Long::compareUnsigned).forEach(buffer::putLong);
    return first8Bytes(sha1(buffer.array()));
  }

  /** The id as etcd prints it: unsigned lower-case hex without leading zeros. */
  public static String format(long id) {
    return Long.toHexString(id);
  }

  private static byte[] sha1(byte[] input) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(input);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-1", e);
    }
  }

  private static long first8Bytes(byte[] hash) {
    return ByteBuffer.wrap(hash, 0, Long.BYTES).getLong();
  }
}
