package io.kvstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Member and cluster ids against etcd's test vectors and known ids. */
class MemberIdsTest {

  /** etcd's {@code TestMemberTime} (membership/member_test.go), the cases without a time salt. */
  @Test
  void memberIdMatchesEtcdTestVectors() {
    assertThat(MemberIds.memberId(urls("http://10.0.0.8:2379"), ""))
        .isEqualTo(Long.parseUnsignedLong("14544069596553697298"));
    assertThat(MemberIds.memberId(urls("http://10.0.0.1:2379", "http://10.0.0.2:2379"), ""))
        .isEqualTo(Long.parseUnsignedLong("16552244735972308939"));
    assertThat(MemberIds.memberId(urls("http://10.0.0.2:2379", "http://10.0.0.1:2379"), ""))
        .isEqualTo(Long.parseUnsignedLong("16552244735972308939"));
  }

  /**
   * Every single-member etcd started with default flags logs "member 8e9e05c52164694d in cluster
   * cdf818194e3a8c32".
   */
  @Test
  void etcdDefaultMemberAndClusterIds() {
    long member = MemberIds.memberId(urls("http://localhost:2380"), "etcd-cluster");

    assertThat(MemberIds.format(member)).isEqualTo("8e9e05c52164694d");
    assertThat(MemberIds.format(MemberIds.clusterId(List.of(member))))
        .isEqualTo("cdf818194e3a8c32");
  }

  @Test
  void tokenChangesTheId() {
    assertThat(MemberIds.memberId(urls("http://localhost:2380"), "other"))
        .isNotEqualTo(MemberIds.memberId(urls("http://localhost:2380"), "etcd-cluster"));
  }

  @Test
  void clusterIdHashesMemberIdsSortedAsUnsignedNumbers() throws Exception {
    ByteBuffer expectedInput = ByteBuffer.allocate(16).putLong(1L).putLong(-1L);
    long expected =
        ByteBuffer.wrap(MessageDigest.getInstance("SHA-1").digest(expectedInput.array())).getLong();

    assertThat(MemberIds.clusterId(List.of(-1L, 1L))).isEqualTo(expected);
    assertThat(MemberIds.clusterId(List.of(1L, -1L))).isEqualTo(expected);
  }

  @Test
  void formatIsUnsignedHexWithoutLeadingZeros() {
    assertThat(MemberIds.format(0x04b8064052169aa2L)).isEqualTo("4b8064052169aa2");
    assertThat(MemberIds.format(-1L)).isEqualTo("ffffffffffffffff");
  }

  private static List<URI> urls(String... urls) {
    return Arrays.stream(urls).map(URI::create).toList();
  }
}
