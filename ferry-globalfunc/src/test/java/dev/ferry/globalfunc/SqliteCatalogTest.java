package dev.ferry.globalfunc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteCatalogTest extends CatalogContract {
  @TempDir Path tmp;

  @Override
  Catalog open() throws Exception {
    return Catalog.open("sqlite:" + tmp.resolve("sub/catalog.db"));
  }

  @Test
  void open_keepsWhatWasPublished_acrossReopening() throws Exception {
    FunctionRecord f = fn("Base", "master", "f", "def f(x=None): pass\n", "");
    catalog.publish(List.of(f));
    catalog.close();
    catalog = Catalog.open(tmp.resolve("sub/catalog.db").toString());
    assertSame(catalog.current(f.key()).orElseThrow(), f);
  }

  @Test
  void open_refusesUrlsItDoesNotKnow() {
    assertThatThrownBy(() -> Catalog.open("mongodb://host/db")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mongodb://host/db");
  }
}
