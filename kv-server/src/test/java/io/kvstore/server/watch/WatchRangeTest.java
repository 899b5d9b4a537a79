package io.kvstore.server.watch;

import static io.kvstore.server.watch.StoreWriter.b;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** etcd's key and range_end conventions for watches. */
class WatchRangeTest {
  private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

  @Test
  void anEmptyEndIsOneKey() {
    WatchRange r = WatchRange.of(b("a"), ByteString.EMPTY);

    assertThat(r.isSingleKey()).isTrue();
    assertThat(r.contains(b("a"))).isTrue();
    assertThat(r.contains(b("ab"))).isFalse();
  }

  @Test
  void aZeroEndIsEveryKeyFromTheKeyOnAndAnEmptyKeyIsTheSmallest() {
    WatchRange fromB = WatchRange.of(b("b"), ZERO);
    WatchRange all = WatchRange.of(ByteString.EMPTY, ZERO);

    assertThat(fromB.contains(b("a"))).isFalse();
    assertThat(fromB.contains(b("b"))).isTrue();
    assertThat(fromB.contains(ByteString.copyFrom(new byte[] {(byte) 0xff}))).isTrue();
    assertThat(all.key()).isEqualTo(ZERO);
    assertThat(all.contains(b("a"))).isTrue();
    assertThat(all.isEmpty()).isFalse();
  }

  @Test
  void aBoundedEndIsExclusiveComparedAsUnsignedBytesAndEmptyWhenNotAfterTheKey() {
    WatchRange r = WatchRange.of(b("a"), ByteString.copyFrom(new byte[] {(byte) 0x80}));

    assertThat(r.contains(b("a"))).isTrue();
    assertThat(r.contains(b("\u007f"))).isTrue();
    assertThat(r.contains(ByteString.copyFrom(new byte[] {(byte) 0x80}))).isFalse();
    assertThat(WatchRange.of(b("b"), b("a")).isEmpty()).isTrue();
    assertThat(WatchRange.of(b("a"), b("a")).isEmpty()).isTrue();
    assertThat(r.isEmpty()).isFalse();
  }
}
