package dev.ferry.globalfunc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class FunctionKeysTest {
  @Test
  void key_joinsSpacePackageBranchAndName() {
    assertThat(FunctionKeys.key("sp_GlobalFunc", "Base", "master", "to_pickle")).isEqualTo("sp_GlobalFunc.Base_master.to_pickle");
  }

  @Test
  void key_refusesNamesThatAreNotIdentifiers_showingTheValue() {
    assertThatThrownBy(() -> FunctionKeys.key("sp", "Base", "master", "to-pickle")).hasMessageContaining("'to-pickle'");
    assertThatThrownBy(() -> FunctionKeys.key("sp", "Ba.se", "master", "f")).hasMessageContaining("'Ba.se'");
  }

  @Test
  void resolve_shortNameUsesSpaceAndBranch_fullKeyStaysAsItIs() {
    assertThat(FunctionKeys.resolve("Base.inverse_time_str", "sp_GlobalFunc", "dev")).isEqualTo("sp_GlobalFunc.Base_dev.inverse_time_str");
    assertThat(FunctionKeys.resolve("sp_X.Base_master.f", "sp_GlobalFunc", "dev")).isEqualTo("sp_X.Base_master.f");
    assertThatThrownBy(() -> FunctionKeys.resolve("inverse_time_str", "sp", "master")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'inverse_time_str'");
  }

  @Test
  void closest_ranksTyposAndSameNamesFirst_andDropsFarNames() {
    List<String> names = List.of("Base.inverse_time_str", "Base.to_pickle", "Tools.add", "Other.inverse_time_str");
    assertThat(FunctionKeys.closest("Base.inverse_tim_str", names, 5)).containsExactly("Base.inverse_time_str", "Other.inverse_time_str");
    assertThat(FunctionKeys.closest("Base.to_pickel", names, 5)).first().isEqualTo("Base.to_pickle");
    assertThat(FunctionKeys.closest("Zzz.qqqqqqqq", names, 5)).isEmpty();
  }

  @Test
  void searchText_splitsIdentifiersAndHanCharacters() {
    assertThat(SearchText.index("inverse_time_str")).isEqualTo("inverse time str");
    assertThat(SearchText.index("toPickle")).isEqualTo("to Pickle");
    assertThat(SearchText.terms("time_str 时间戳, Foo")).containsExactly(List.of("time"), List.of("str"), List.of("时", "间", "戳"), List.of("foo"));
  }
}
