package dev.ferry.build.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.build.BuildException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsersTest {
  @TempDir Path root;

  @BeforeEach
  void setUp() throws Exception {
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1001::/home/app:/bin/sh\n");
    Files.writeString(root.resolve("etc/group"), "root:x:0:\nstaff:x:50:\napp:x:1001:\n");
  }

  @Test
  void chown_numericUserWithoutGroup_usesUidAsGid() throws Exception {
    assertThat(Users.chown(root, "42")).isEqualTo(new Users.Ids(42, 42));
  }

  @Test
  void chown_namedUserWithoutGroup_usesPrimaryGroup() throws Exception {
    assertThat(Users.chown(root, "app")).isEqualTo(new Users.Ids(1000, 1001));
  }

  @Test
  void chown_namedUserAndGroup_looksUpBoth() throws Exception {
    assertThat(Users.chown(root, "app:staff")).isEqualTo(new Users.Ids(1000, 50));
    assertThat(Users.chown(root, "7:staff")).isEqualTo(new Users.Ids(7, 50));
  }

  @Test
  void chown_unknownName_failsNamingIt() {
    assertThatThrownBy(() -> Users.chown(root, "nobody")).isInstanceOf(BuildException.class)
        .hasMessageContaining("unable to find user nobody");
    assertThatThrownBy(() -> Users.chown(root, "app:wheel")).isInstanceOf(BuildException.class)
        .hasMessageContaining("unable to find group wheel");
  }

  @Test
  void user_numericWithoutEntry_runsWithGidZero() throws Exception {
    assertThat(Users.user(root, "4242")).isEqualTo(new Users.Ids(4242, 0));
    assertThat(Users.user(root, "1000")).isEqualTo(new Users.Ids(1000, 1001));
    assertThat(Users.user(root, "")).isEqualTo(new Users.Ids(0, 0));
  }
}
