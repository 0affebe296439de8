package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.testing.Peers;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry func} end to end: a git repository made here, real python3 workers, the embedded catalog. */
class FuncCommandIT {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  Cli ferry;
  Path repo;
  String[] common;

  @BeforeEach
  void setUp() throws Exception {
    Peers.require("python3");
    ferry = new Cli(tmp.resolve("store"));
    repo = tmp.resolve("GlobalFunc");
    Files.createDirectories(repo.resolve("Base"));
    Git.init().setDirectory(repo.toFile()).setInitialBranch("master").call().close();
    Files.writeString(repo.resolve("Base/inverse_time_str.py"),
        "import time\n\ndef inverse_time_str(time_str = None, bias_hours = 0):\n"
            + "    ts = time.mktime (time.strptime(time_str,\"%Y-%m-%d %H:%M:%S\")) + bias_hours* 3600\n    return ts\n");
    Files.writeString(repo.resolve("Base/echo.py"), "def echo(value=None, label='x'):\n    \"\"\"Give back what it was given.\"\"\"\n    print('echoing')\n    return {label: value}\n");
    common = new String[] {"--repo", repo.toString()};
  }

  String[] args(String... a) {
    String[] all = new String[a.length + common.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(common, 0, all, a.length, common.length);
    return all;
  }

  @Test
  void scanPublishCallSearchHistoryRestore_fromTheCommandLine() throws Exception {
    Cli.Run scan = ferry.ok(args("func", "scan"));
    assertThat(scan.out()).contains("new      sp_GlobalFunc.Base_master.inverse_time_str").contains("(time_str=None, bias_hours=0)");
    assertThat(ferry.ok(args("func", "publish")).out()).contains("sp_GlobalFunc.Base_master.echo").contains("(new)");
    assertThat(ferry.ok(args("func", "branch")).out().strip()).isEqualTo("master");

    // --kw values are JSON when they parse, else strings
    Cli.Run call = ferry.ok(args("func", "call", "Base.echo", "--kw", "value=[1, 2.5, true]", "--kw", "label=2024-02-15 11:11:11"));
    assertThat(JSON.readTree(call.out()).get("2024-02-15 11:11:11").toString()).isEqualTo("[1,2.5,true]");
    assertThat(call.err()).contains("echoing");
    Cli.Run kwargs = ferry.ok(args("func", "call", "Base.echo", "--kwargs", "{\"value\": \"v\"}", "--kw", "label=-8"));
    assertThat(kwargs.out().strip()).isEqualTo("{\"-8\":\"v\"}");

    Cli.Run bad = ferry.run(args("func", "call", "Base.echo", "--kw", "valeu=1"));
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("signature: echo(value=None, label='x')");
    Cli.Run unknown = ferry.run(args("func", "call", "Base.ech"));
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("close names: Base.echo");

    assertThat(ferry.ok(args("func", "search", "give", "back")).out()).contains("sp_GlobalFunc.Base_master.echo");

    Files.writeString(repo.resolve("Base/echo.py"), "def echo(value=None, label='y'):\n    return {label: value}\n");
    ferry.ok(args("func", "publish", "Base.echo"));
    JsonNode history = JSON.readTree(ferry.ok(args("--json", "func", "history", "Base.echo")).out());
    assertThat(history).hasSize(2);
    String old = history.get(1).get("version").asText();
    assertThat(ferry.ok(args("func", "call", "Base.echo", "--kw", "value=1")).out().strip()).isEqualTo("{\"y\":1}");
    assertThat(ferry.ok(args("func", "call", "Base.echo", "--kw", "value=1", "--version", old.substring(0, 8))).out().strip()).isEqualTo("{\"x\":1}");
    ferry.ok(args("func", "rollback", "Base.echo", old.substring(0, 8)));
    assertThat(ferry.ok(args("func", "call", "Base.echo", "--kw", "value=1")).out().strip()).isEqualTo("{\"x\":1}");

    Path out = tmp.resolve("restored");
    ferry.ok(args("func", "restore", "Base.echo", "--to", out.toString()));
    assertThat(Files.readString(out.resolve("Base/echo.py"))).contains("label='x'");
    assertThat(Files.readString(out.resolve("Base/__init__.py"))).isEqualTo("from .echo import echo\n");

    ferry.ok(args("func", "init", "Base"));
    assertThat(Files.readString(repo.resolve("Base/__init__.py"))).isEqualTo("from .echo import echo\nfrom .inverse_time_str import inverse_time_str\n");
    Cli.Run commit = ferry.ok(args("func", "commit", "-m", "first functions"));
    try (Git g = Git.open(repo.toFile())) {
      assertThat(g.log().call().iterator().next().getFullMessage()).startsWith("first functions 20");
    }
    assertThat(commit.err()).contains("no remote to push to");
    assertThat(ferry.ok(args("func", "list", "Base")).out()).contains("Base.inverse_time_str").contains("Base.echo");
  }

  @Test
  void postgresCatalog_selectedByUrl_publishSearchCall() throws Exception {
    try (dev.ferry.testing.Postgres pg = dev.ferry.testing.Postgres.start()) {
      String[] cat = {"--catalog", pg.url()};
      Cli.Run pub = ferry.ok(concat(args("func", "publish"), cat));
      assertThat(pub.out()).contains("sp_GlobalFunc.Base_master.echo").contains("(new)");
      assertThat(pub.err()).contains("postgresql://postgres@127.0.0.1:").doesNotContain(pg.url());
      assertThat(ferry.ok(concat(args("func", "search", "give"), cat)).out()).contains("sp_GlobalFunc.Base_master.echo");
      assertThat(ferry.ok(concat(args("func", "call", "Base.echo", "--kw", "value=7"), cat)).out().strip()).isEqualTo("{\"x\":7}");
      // the embedded catalog of the same store knows nothing of it
      assertThat(ferry.run(args("func", "call", "Base.echo")).exitCode()).isEqualTo(2);
    }
  }

  static String[] concat(String[] a, String[] b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @Test
  void help_onFuncAndEveryVerb() {
    for (String verb : new String[] {"scan", "publish", "call", "serve", "package", "up", "ps", "down", "history", "restore"}) {
      Cli.Run r = ferry.run("func", verb, "--help");
      assertThat(r.exitCode()).as(verb).isZero();
      assertThat(r.out()).startsWith("Usage: ferry func " + verb);
    }
    assertThat(ferry.run("func", "--help").out()).contains("search").contains("serve");
  }

  @Test
  void badInput_oneLineAndNonZeroExit() {
    Cli.Run notRepo = ferry.run("func", "scan", "--repo", tmp.toString());
    assertThat(notRepo.exitCode()).isEqualTo(1);
    assertThat(notRepo.err().strip()).doesNotContain("\n").contains("is not a git repository");
    Cli.Run kw = ferry.run(args("func", "call", "Base.echo", "--kw", "novalue"));
    assertThat(kw.exitCode()).isEqualTo(2);
    assertThat(kw.err()).contains("--kw takes NAME=VALUE");
    Cli.Run catalog = ferry.run(args("func", "list", "--catalog", "mongodb://x/y"));
    assertThat(catalog.exitCode()).isEqualTo(2);
  }
}
