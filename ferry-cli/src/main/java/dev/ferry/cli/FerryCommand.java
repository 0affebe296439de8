package dev.ferry.cli;

import java.util.List;
import picocli.CommandLine.Command;

/**
 * The {@code ferry} top-level command: only groups the verbs. The verbs are not declared on the annotation but listed
 * in {@link #VERBS} and added by {@link Main#commandLine}: building picocli's model of every verb and sub-verb costs
 * ~0.3 s of CPU at start-up, so a run registers only the verbs its arguments name (all of them when none is named).
 */
@Command(
    name = "ferry",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Private delivery of AI services: images, stores, archives and bundles without a Docker daemon."
)
final class FerryCommand implements Runnable {
  /** Every verb, in the order help lists them. */
  static final List<Class<?>> VERBS = List.of(
      ImagesCommand.class,
      BuildCommand.class,
      BuildAllCommand.class,
      InspectCommand.class,
      HistoryCommand.class,
      ImportCommand.class,
      ExportCommand.class,
      UnpackCommand.class,
      PullCommand.class,
      PushCommand.class,
      CopyCommand.class,
      SyncCommand.class,
      TagsCommand.class,
      CatalogCommand.class,
      DeleteCommand.class,
      LoginCommand.class,
      LogoutCommand.class,
      TagCommand.class,
      RmiCommand.class,
      FsckCommand.class,
      GcCommand.class,
      ImageCommand.class,
      BaseImageCommand.class,
      PythonCommand.class,
      ServeCommand.class,
      InitCommand.class,
      SpecCommand.class,
      KeygenCommand.class,
      PackCommand.class,
      BundleCommand.class,
      InventoryCommand.class,
      FuncCommand.class);

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @picocli.CommandLine.Mixin GlobalOptions global = new GlobalOptions();

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }
}
