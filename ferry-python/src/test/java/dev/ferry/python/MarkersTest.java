package dev.ferry.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MarkersTest {
  static final PythonTarget X86 = PythonTarget.glibc(3, 11, "2.36", "x86_64");
  static final PythonTarget ARM312 = PythonTarget.glibc(3, 12, "2.36", "aarch64");

  @Test
  void evaluate_versionsPlatformsAndBooleans() {
    assertThat(Markers.evaluate("python_version < \"3.12\"", X86)).isTrue();
    assertThat(Markers.evaluate("python_version < \"3.12\"", ARM312)).isFalse();
    assertThat(Markers.evaluate("python_version >= '3.9' and python_version < '3.12'", X86)).isTrue();
    assertThat(Markers.evaluate("sys_platform == \"win32\"", X86)).isFalse();
    assertThat(Markers.evaluate("sys_platform == 'win32' or platform_machine == 'aarch64'", ARM312)).isTrue();
    assertThat(Markers.evaluate("(platform_system != 'Darwin') and implementation_name == 'cpython'", X86)).isTrue();
    assertThat(Markers.evaluate("'arm' in platform_machine", X86)).isFalse();
    assertThat(Markers.evaluate("platform_machine not in 'x86_64 AMD64'", ARM312)).isTrue();
    assertThat(Markers.evaluate("python_full_version >= '3.11.0'", X86)).isTrue();
    assertThat(Markers.evaluate("extra == 'test'", X86)).isFalse();
  }

  @Test
  void evaluate_garbage_refusedNamingTheMarker() {
    assertThatThrownBy(() -> Markers.evaluate("python_version <", X86)).hasMessageContaining("'python_version <'");
    assertThatThrownBy(() -> Markers.evaluate("os == 'linux'", X86)).hasMessageContaining("unknown marker variable 'os'");
  }
}
