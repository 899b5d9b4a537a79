package io.kvstore.server.election;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** The key layout of etcd's recipes: {@code "%s/%x"} of name and lease, and prefix ranges. */
class RecipeKeysTest {
  @Test
  void participantKeyIsNameSlashLeaseInLowerCaseHexAsGoPrintsIt() {
    ByteString name = ByteString.copyFromUtf8("my-election");
    assertThat(RecipeKeys.participant(name, 0x694d7a1b2c3d4e5fL).toStringUtf8())
        .isEqualTo("my-election/694d7a1b2c3d4e5f");
    assertThat(RecipeKeys.participant(name, 10).toStringUtf8()).isEqualTo("my-election/a");
    assertThat(RecipeKeys.participant(name, -1).toStringUtf8()).isEqualTo("my-election/-1");
    assertThat(RecipeKeys.participant(name, Long.MIN_VALUE).toStringUtf8())
        .isEqualTo("my-election/-8000000000000000");
  }

  @Test
  void prefixEndIncrementsTheLastByteBelow0xffAndDropsTheRest() {
    assertThat(RecipeKeys.prefixEnd(ByteString.copyFromUtf8("a/")).toStringUtf8())
        .isEqualTo("a0");
    assertThat(RecipeKeys.prefixEnd(ByteString.copyFrom(new byte[] {'a', (byte) 0xff})))
        .isEqualTo(ByteString.copyFromUtf8("b"));
    assertThat(RecipeKeys.prefixEnd(ByteString.copyFrom(new byte[] {(byte) 0xff})))
        .isEqualTo(ByteString.copyFrom(new byte[] {0}));
  }
}
