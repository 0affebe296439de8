package dev.ferry.python;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Processes;
import dev.ferry.testing.PythonWheels;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ferry's tag order against the one pip uses, on this machine's Debian python3 (pip's vendored packaging). */
class PythonTargetIT {
  @Test
  void supportedTags_sameAsPipsSysTags_forThisMachinesPython() throws Exception {
    PythonWheels.require();
    Processes.Result r = Processes.run(PythonWheels.PYTHON.toString(), "-c",
        "import platform, sys\nfrom pip._vendor.packaging import tags\n"
            + "print(sys.version_info[0], sys.version_info[1], platform.libc_ver()[1], platform.machine())\n"
            + "for t in tags.sys_tags(): print(t)");
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    List<String> lines = r.stdout().lines().toList();
    String[] head = lines.get(0).split(" ");
    PythonTarget t = PythonTarget.glibc(Integer.parseInt(head[0]), Integer.parseInt(head[1]), head[2], head[3]);
    List<String> ours = t.supportedTags().stream().map(Tag::toString).toList();
    // packaging 21.x (pip 23.0) does not list cpXY-none-any; newer packaging does, right before pyXY-none-any.
    String cpNone = t.interpreter() + "-none-any";
    assertThat(ours.stream().filter(s -> !s.equals(cpNone)).toList())
        .isEqualTo(lines.subList(1, lines.size()).stream().filter(s -> !s.equals(cpNone)).toList());
  }
}
