package dev.ferry.oci.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CsvLineTest {
  @Test
  void split_commasQuotesAndDoubledQuotes() {
    assertThat(CsvLine.split("a,b,")).containsExactly("a", "b", "");
    assertThat(CsvLine.split("\"x,y\",\"say \"\"hi\"\"\",3")).containsExactly("x,y", "say \"hi\"", "3");
    assertThat(CsvLine.split("")).containsExactly("");
  }

  @Test
  void split_unterminatedQuote_isRefused() {
    assertThatThrownBy(() -> CsvLine.split("\"open,1,2")).isInstanceOf(IllegalArgumentException.class);
  }
}
