package dev.ferry.globalfunc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every catalog store must do; run against SQLite ({@link SqliteCatalogTest}) and PostgreSQL ({@link PostgresCatalogIT}). */
abstract class CatalogContract {
  Catalog catalog;
  String space;

  abstract Catalog open() throws Exception;

  @BeforeEach
  void openCatalog() throws Exception {
    catalog = open();
    // a space of its own per test, so that tests on a shared server do not see each other
    space = "sp_T" + Long.toHexString(System.nanoTime());
  }

  @AfterEach
  void closeCatalog() throws Exception {
    catalog.close();
  }

  FunctionRecord fn(String pkg, String branch, String name, String code, String doc) {
    byte[] b = code.getBytes(StandardCharsets.UTF_8);
    return new FunctionRecord(
        FunctionKeys.key(space, pkg, branch, name), space, pkg, branch, name, code, Scanner.hex("SHA-256", b), Scanner.hex("MD5", b),
        "2024-02-15T11:11:11Z", Scanner.lines(code), "(x=None)", "[{\"name\":\"x\",\"kind\":\"positional_or_keyword\",\"default\":\"None\",\"required\":false}]", doc, "");
  }

  /** Equal records; params as JSON values (PostgreSQL's jsonb keeps the value, not the spelling). */
  static void assertSame(FunctionRecord actual, FunctionRecord expected) throws Exception {
    assertThat(actual).usingRecursiveComparison().ignoringFields("params").isEqualTo(expected);
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    assertThat(json.readTree(actual.params())).isEqualTo(json.readTree(expected.params()));
  }

  @Test
  void record_replacesTheHeadsOfABranch_andListFiltersByPackage() throws Exception {
    catalog.record(space, "master", List.of(fn("Base", "master", "a", "def a(x=None): pass\n", ""), fn("Tools", "master", "b", "def b(x=None): pass\n", "")));
    catalog.record(space, "dev", List.of(fn("Base", "dev", "a", "def a(x=None): return 1\n", "")));
    assertThat(catalog.list(space, "", "")).extracting(FunctionRecord::key)
        .containsExactly(space + ".Base_dev.a", space + ".Base_master.a", space + ".Tools_master.b");
    catalog.record(space, "master", List.of(fn("Base", "master", "a", "def a(x=None): pass\n", "")));
    assertThat(catalog.list(space, "", "master")).extracting(FunctionRecord::name).containsExactly("a");
    assertThat(catalog.list(space, "Tools", "")).isEmpty();
    assertThat(catalog.head(space + ".Base_dev.a").orElseThrow().code()).contains("return 1");
  }

  @Test
  void publish_storesVersionsOnce_movesTheAlias_andHistoryListsNewestFirst() throws Exception {
    FunctionRecord v1 = fn("Base", "master", "f", "def f(x=None):\n    return 1\n", "one");
    FunctionRecord v2 = fn("Base", "master", "f", "def f(x=None):\n    return 2\n", "two");
    assertThat(catalog.publish(List.of(v1))).singleElement().satisfies(r -> assertThat(r.previous()).isEmpty());
    assertThat(catalog.publish(List.of(v1))).singleElement().satisfies(r -> assertThat(r.changed()).isFalse());
    PublishResult moved = catalog.publish(List.of(v2)).get(0);
    assertThat(moved.previous()).isEqualTo(v1.sha256());
    assertThat(moved.sha256()).isEqualTo(v2.sha256());
    assertThat(catalog.current(v1.key()).orElseThrow().code()).contains("return 2");
    // the old version is still there, by hash prefix, byte for byte
    assertSame(catalog.version(v1.key(), v1.sha256().substring(0, 8)).orElseThrow(), v1);
    assertThat(catalog.history(v1.key())).extracting(FunctionVersion::sha256).containsExactly(v2.sha256(), v1.sha256());
    assertThat(catalog.history(v1.key()).get(0).current()).isTrue();

    PublishResult back = catalog.moveAlias(v1.key(), v1.sha256().substring(0, 10));
    assertThat(back.sha256()).isEqualTo(v1.sha256());
    assertThat(catalog.current(v1.key()).orElseThrow().code()).contains("return 1");
    assertThat(catalog.history(v1.key())).extracting(FunctionVersion::current).containsExactly(true, false, false);
  }

  @Test
  void version_refusesShortPrefixes_andUnknownVersionsCannotBeAliased() throws Exception {
    FunctionRecord v1 = fn("Base", "master", "f", "def f(x=None): pass\n", "");
    catalog.publish(List.of(v1));
    assertThatThrownBy(() -> catalog.version(v1.key(), "abc")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'abc'");
    assertThatThrownBy(() -> catalog.moveAlias(v1.key(), "0000000000")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no published version");
    assertThat(catalog.current(space + ".Base_master.nope")).isEmpty();
  }

  @Test
  void search_ranksNameMatchesAboveCodeMatches_andFindsChineseDocs() throws Exception {
    catalog.record(space, "master", List.of(
        fn("Base", "master", "inverse_time_str", "import time\ndef inverse_time_str(x=None): return time.mktime(x)\n", "将时间字符串转换回时间戳"),
        fn("Base", "master", "to_pickle", "import pickle\ndef to_pickle(x=None): pickle.dump(x)\n", "Save data as a pickle file"),
        fn("Tools", "master", "uses_time", "def uses_time(x=None):\n    # calls inverse_time_str on each row\n    return x\n", "")));
    List<SearchHit> hits = catalog.search("inverse_time_str", 10);
    assertThat(hits).extracting(SearchHit::packFunc).startsWith("Base.inverse_time_str").contains("Tools.uses_time");
    assertThat(hits.get(0).score()).isGreaterThan(hits.get(hits.size() - 1).score());
    assertThat(catalog.search("pickle", 10)).extracting(SearchHit::packFunc).containsExactly("Base.to_pickle");
    assertThat(catalog.search("时间戳", 10)).extracting(SearchHit::packFunc).containsExactly("Base.inverse_time_str");
    assertThat(catalog.search("pick", 10)).extracting(SearchHit::packFunc).containsExactly("Base.to_pickle");
    assertThat(catalog.search("\"; DROP TABLE functions; --", 10)).isEmpty();
    assertThat(catalog.search("   ", 10)).isEmpty();
  }

  @Test
  void keys_listHeadsAndPublishedOfTheSpace() throws Exception {
    catalog.record(space, "master", List.of(fn("Base", "master", "a", "def a(x=None): pass\n", "")));
    catalog.publish(List.of(fn("Base", "dev", "b", "def b(x=None): pass\n", "")));
    assertThat(catalog.keys(space)).containsExactly(space + ".Base_dev.b", space + ".Base_master.a");
  }
}
