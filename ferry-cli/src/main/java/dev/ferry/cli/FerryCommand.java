package dev.ferry.cli;

import picocli.CommandLine.Command;

/** The {@code ferry} top-level command: only groups the verbs. */
@Command(
    name = "ferry",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Private delivery of AI services: images, stores, archives and bundles without a Docker daemon.",
    subcommands = {
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
      FuncCommand.class,
    })
final class FerryCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @picocli.CommandLine.Mixin GlobalOptions global = new GlobalOptions();

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }
}
