package dev.ferry.globalfunc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.testing.Peers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scan, publish, history, restore, init and commit over a real git repository, with signatures read by real Python. */
class FunctionLibraryIT {
  @TempDir Path tmp;
  FunctionRepository repo;
  Catalog catalog;
  final WorkerSettings settings = SeedRepository.settings();

  @BeforeEach
  void setUp() throws Exception {
    Peers.require("python3");
    repo = SeedRepository.create(tmp.resolve("GlobalFunc"));
    catalog = Catalog.open(tmp.resolve("catalog.db").toString());
  }

  @AfterEach
  void tearDown() throws Exception {
    catalog.close();
    repo.close();
  }

  Map<String, FunctionLibrary.Scanned> scan() throws Exception {
    return FunctionLibrary.scan(repo, catalog, FunctionKeys.DEFAULT_SPACE, settings).stream()
        .collect(Collectors.toMap(s -> s.function().packFunc(), Function.identity()));
  }

  @Test
  void scan_recordsEveryFunctionFile_withHashesLinesSignatureAndDocstring_skippingPrivateFiles() throws Exception {
    Map<String, FunctionLibrary.Scanned> s = scan();
    assertThat(s.keySet()).containsExactlyInAnyOrder(
        "Base.inverse_time_str", "Base.to_pickle", "Base.greet", "Base.boom", "Base.broken", "Base.slow", "Base.crash", "Base.make_set", "Base.hog", "Tools.add", "Tools.add_twice");
    FunctionRecord f = s.get("Base.inverse_time_str").function();
    byte[] code = SeedRepository.INVERSE_TIME_STR.getBytes(StandardCharsets.UTF_8);
    assertThat(f.key()).isEqualTo("sp_GlobalFunc.Base_master.inverse_time_str");
    assertThat(f.code()).isEqualTo(SeedRepository.INVERSE_TIME_STR);
    assertThat(f.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(code)));
    assertThat(f.md5()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(code)));
    assertThat(f.lines()).isEqualTo(SeedRepository.INVERSE_TIME_STR.split("\n").length);
    assertThat(f.modified()).isEqualTo(Files.getLastModifiedTime(repo.root().resolve("Base/inverse_time_str.py")).toInstant().toString());
    // exactly what Python's ast says, including the spacing ast.unparse normalises
    assertThat(f.signature()).isEqualTo("(time_str=None, bias_hours=0)");
    assertThat(f.docstring()).startsWith("你的 inverse_time_str 函数");
    assertThat(s.get("Base.greet").function().signature()).isEqualTo("(name: str, punctuation: str='!') -> str");
    assertThat(s.get("Base.greet").function().summary()).isEqualTo("Say hello to someone by name.");
    JsonNode params = new ObjectMapper().readTree(s.get("Base.greet").function().params());
    assertThat(params.get(0).get("name").asText()).isEqualTo("name");
    assertThat(params.get(0).get("required").asBoolean()).isTrue();
    assertThat(params.get(1).get("default").asText()).isEqualTo("'!'");
    assertThat(s.get("Base.broken").function().error()).startsWith("SyntaxError");
    assertThat(s.values()).allSatisfy(x -> assertThat(x.change()).isEqualTo(FunctionLibrary.Change.NEW));
  }

  @Test
  void scan_again_reportsChangedAndRemoved() throws Exception {
    scan();
    Files.writeString(repo.root().resolve("Tools/add.py"), "def add(a, b, c=0):\n    return a + b + c\n");
    Files.delete(repo.root().resolve("Base/make_set.py"));
    Map<String, FunctionLibrary.Scanned> s = scan();
    assertThat(s.get("Tools.add").change()).isEqualTo(FunctionLibrary.Change.CHANGED);
    assertThat(s.get("Tools.add").function().signature()).isEqualTo("(a, b, c=0)");
    assertThat(s.get("Base.make_set").change()).isEqualTo(FunctionLibrary.Change.REMOVED);
    assertThat(s.get("Base.greet").change()).isEqualTo(FunctionLibrary.Change.UNCHANGED);
    assertThat(catalog.list(FunctionKeys.DEFAULT_SPACE, "Base", "")).extracting(FunctionRecord::name).doesNotContain("make_set");
  }

  @Test
  void publish_isImmutableByHash_movesTheAlias_andRefusesCodeThatDoesNotLoad() throws Exception {
    String key = "sp_GlobalFunc.Tools_master.add";
    List<PublishResult> first = FunctionLibrary.publish(repo, catalog, FunctionKeys.DEFAULT_SPACE, settings, List.of("Tools"));
    assertThat(first).extracting(PublishResult::key).containsExactly(key, "sp_GlobalFunc.Tools_master.add_twice");
    String v1 = first.get(0).sha256();
    Files.writeString(repo.root().resolve("Tools/add.py"), "def add(a, b):\n    return b + a\n");
    PublishResult second = FunctionLibrary.publish(repo, catalog, FunctionKeys.DEFAULT_SPACE, settings, List.of("Tools.add")).get(0);
    assertThat(second.previous()).isEqualTo(v1);
    assertThat(catalog.history(key)).extracting(FunctionVersion::sha256).containsExactly(second.sha256(), v1);
    assertThat(catalog.version(key, v1).orElseThrow().code()).contains("return a + b");

    assertThatThrownBy(() -> FunctionLibrary.publish(repo, catalog, FunctionKeys.DEFAULT_SPACE, settings, List.of("Base.broken")))
        .hasMessageContaining("cannot publish sp_GlobalFunc.Base_master.broken: SyntaxError");
    assertThat(catalog.current("sp_GlobalFunc.Base_master.broken")).isEmpty();
    assertThatThrownBy(() -> FunctionLibrary.publish(repo, catalog, FunctionKeys.DEFAULT_SPACE, settings, List.of("Base.nope")))
        .hasMessageContaining("sp_GlobalFunc.Base_master.nope");
  }

  @Test
  void branch_partOfTheKey_andCommitPushesToOrigin() throws Exception {
    Path remote = tmp.resolve("remote.git");
    Git.init().setBare(true).setDirectory(remote.toFile()).setInitialBranch("master").call().close();
    try (Git g = Git.open(repo.root().toFile())) {
      var cfg = g.getRepository().getConfig();
      cfg.setString("remote", "origin", "url", remote.toUri().toString());
      cfg.setString("remote", "origin", "fetch", "+refs/heads/*:refs/remotes/origin/*");
      cfg.save();
      g.checkout().setCreateBranch(true).setName("dev").call();
    }
    assertThat(repo.branch()).isEqualTo("dev");
    assertThat(scan().get("Tools.add").function().key()).isEqualTo("sp_GlobalFunc.Tools_dev.add");
    Files.writeString(repo.root().resolve("Tools/mul.py"), "def mul(a, b):\n    return a * b\n");
    FunctionRepository.CommitResult c = repo.commit("add mul");
    assertThat(c.pushedTo()).isEqualTo("origin");
    assertThat(c.message()).startsWith("add mul 20");
    try (Git bare = Git.open(remote.toFile())) {
      assertThat(bare.getRepository().resolve("refs/heads/dev").name()).isEqualTo(c.commit());
    }
    assertThatThrownBy(() -> repo.commit("again")).hasMessageContaining("nothing to commit");
  }

  @Test
  void restore_writesTheFileAndItsPackageInit_andInitRegeneratesInRepo() throws Exception {
    FunctionLibrary.publish(repo, catalog, FunctionKeys.DEFAULT_SPACE, settings, List.of("Base.to_pickle", "Base.greet"));
    Path out = tmp.resolve("elsewhere");
    Path file = FunctionLibrary.restore(catalog.current("sp_GlobalFunc.Base_master.to_pickle").orElseThrow(), out);
    assertThat(file).isEqualTo(out.resolve("Base/to_pickle.py"));
    assertThat(Files.readString(file)).isEqualTo(SeedRepository.TO_PICKLE);
    FunctionLibrary.restore(catalog.current("sp_GlobalFunc.Base_master.greet").orElseThrow(), out);
    assertThat(Files.readString(out.resolve("Base/__init__.py"))).isEqualTo("from .greet import greet\nfrom .to_pickle import to_pickle\n");

    FunctionRepository.writeInit(repo.root().resolve("Tools"));
    assertThat(Files.readString(repo.root().resolve("Tools/__init__.py"))).isEqualTo("from .add import add\nfrom .add_twice import add_twice\n");
    // the restored package imports in plain Python, as the original notes used it
    Process p = new ProcessBuilder("python3", "-c", "import Base; print(Base.greet('x'))").directory(out.toFile()).redirectErrorStream(true).start();
    assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).endsWith("hello x!\n");
  }
}
