package io.kvstore.raft.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InflightsTest {

  @Test
  void fillsUpToCapacityAndRefusesMore() {
    Inflights in = new Inflights(3);
    in.add(1);
    in.add(2);
    assertThat(in.full()).isFalse();

    in.add(3);

    assertThat(in.full()).isTrue();
    assertThat(in.count()).isEqualTo(3);
    assertThatThrownBy(() -> in.add(4)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void freeLeFreesEveryMessageUpToTheIndex() {
    Inflights in = new Inflights(5);
    for (long i = 10; i < 15; i++) {
      in.add(i);
    }

    in.freeLE(9);
    assertThat(in.count()).isEqualTo(5);
    in.freeLE(12);
    assertThat(in.count()).isEqualTo(2);
    in.freeLE(12);
    assertThat(in.count()).isEqualTo(2);
    in.freeLE(100);
    assertThat(in.count()).isZero();
  }

  @Test
  void windowWrapsAroundTheBuffer() {
    Inflights in = new Inflights(4);
    for (long i = 1; i <= 4; i++) {
      in.add(i);
    }
    in.freeLE(3);
    for (long i = 5; i <= 7; i++) {
      in.add(i);
    }
    assertThat(in.full()).isTrue();

    in.freeLE(5);
    assertThat(in.count()).isEqualTo(2);
    in.freeLE(6);
    assertThat(in.count()).isEqualTo(1);
    in.add(8);
    in.add(9);
    in.add(10);
    assertThat(in.full()).isTrue();
  }

  @Test
  void resetEmptiesTheWindow() {
    Inflights in = new Inflights(2);
    in.add(1);
    in.add(2);

    in.reset();

    assertThat(in.count()).isZero();
    assertThat(in.full()).isFalse();
  }
}
