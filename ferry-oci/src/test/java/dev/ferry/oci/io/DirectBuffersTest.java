package dev.ferry.oci.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class DirectBuffersTest {
  @Test
  void take_reusesWhatWasGivenBack_cleared() {
    DirectBuffers pool = new DirectBuffers(4096, 2);
    ByteBuffer a = pool.take();
    assertThat(a.isDirect()).isTrue();
    assertThat(a.capacity()).isEqualTo(4096);
    a.put(new byte[10]).limit(20);
    pool.give(a);
    assertThat(pool.available()).isEqualTo(1);
    ByteBuffer again = pool.take();
    assertThat(again).isSameAs(a);
    assertThat(again.position()).isZero();
    assertThat(again.limit()).isEqualTo(4096);
  }

  @Test
  void give_keepsAtMostTheBoundAndOnlyItsOwnKind() {
    DirectBuffers pool = new DirectBuffers(4096, 2);
    pool.give(pool.take());
    pool.give(ByteBuffer.allocateDirect(4096));
    pool.give(ByteBuffer.allocateDirect(4096));
    assertThat(pool.available()).isEqualTo(2);
    DirectBuffers other = new DirectBuffers(4096, 8);
    other.give(ByteBuffer.allocate(4096));
    other.give(ByteBuffer.allocateDirect(1024));
    assertThat(other.available()).isZero();
    assertThatThrownBy(() -> new DirectBuffers(0, 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
