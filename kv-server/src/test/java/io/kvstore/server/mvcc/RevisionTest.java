package io.kvstore.server.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** etcd's "key" bucket encoding of revisions (revision.go). */
class RevisionTest {
  @Test
  void encodesMainUnderscoreSubBigEndian() {
    byte[] bytes = new Revision(0x0102, 0x03).encode();

    assertThat(bytes).containsExactly(0, 0, 0, 0, 0, 0, 1, 2, '_', 0, 0, 0, 0, 0, 0, 0, 3);
    assertThat(Revision.isTombstone(bytes)).isFalse();
    assertThat(Revision.decode(bytes)).isEqualTo(new Revision(0x0102, 3));
  }

  @Test
  void tombstoneAppendsT() {
    byte[] bytes = new Revision(5, 1).encodeTombstone();

    assertThat(bytes).hasSize(18);
    assertThat(bytes[17]).isEqualTo((byte) 't');
    assertThat(Revision.isTombstone(bytes)).isTrue();
    assertThat(Revision.decode(bytes)).isEqualTo(new Revision(5, 1));
  }

  @Test
  void byteOrderIsRevisionOrder() {
    List<Revision> revs = List.of(new Revision(1, 0), new Revision(1, 1), new Revision(2, 0),
        new Revision(255, 0), new Revision(256, 0), new Revision(256, 300),
        new Revision(Long.MAX_VALUE, 0));
    List<byte[]> encoded = new ArrayList<>();
    revs.forEach(r -> encoded.add(r.encode()));

    for (int i = 1; i < revs.size(); i++) {
      assertThat(Arrays.compareUnsigned(encoded.get(i - 1), encoded.get(i))).isNegative();
      assertThat(revs.get(i).isAfter(revs.get(i - 1))).isTrue();
      assertThat(revs.get(i - 1).compareTo(revs.get(i))).isNegative();
    }
  }

  @Test
  void malformedBytesAreRefused() {
    assertThatThrownBy(() -> Revision.decode(new byte[16]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("length");
    assertThatThrownBy(() -> Revision.decode(new byte[17]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("separator");
    assertThatThrownBy(() -> new Revision(-1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
