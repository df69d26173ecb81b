// `walt image …`: WalT's image commands (walt-reference §2.2) on WaltImage resources of the namespace.
import { Command } from 'commander';
import { DEFAULT_PULL_TIMEOUT, imagePull, type ImagePullOptions } from '../actions/image-pull.js';
import { imageRemove } from '../actions/image-remove.js';
import { imageRename } from '../actions/image-rename.js';
import { imageShow, type ImageShowOptions } from '../actions/image-show.js';
import type { ContextFactory } from '../context.js';
import { addAuthoringCommands } from './image-authoring.js';
import { outputOption } from './options.js';

export function imageCommand(context: ContextFactory): Command {
  const image = new Command('image').description('manage and author OS images');
  image
    .command('show')
    .description('list the images of the namespace')
    .addOption(outputOption())
    .action((options: ImageShowOptions, cmd: Command) => imageShow(context(cmd), options));
  image
    .command('pull')
    .description('add an image from any OCI registry and follow its pull until nodes can boot it')
    .argument('<ref>', 'OCI reference, e.g. registry.example.org/walt/debian:12')
    .option('--name <name>', 'image name (default: from the reference)')
    .option('--insecure', 'plain HTTP registry (local test registries)')
    .option('--models <models>', 'node models the image supports, comma-separated (default: its label)')
    .option('--no-wait', 'return once the image is created')
    .option('--timeout <duration>', 'give up waiting after this long', DEFAULT_PULL_TIMEOUT)
    .action((ref: string, options: ImagePullOptions, cmd: Command) => imagePull(context(cmd), ref, options));
  image
    .command('remove')
    .description('remove an image no node boots')
    .argument('<name>', 'image name')
    .action((name: string, _options: unknown, cmd: Command) => imageRemove(context(cmd), name));
  image
    .command('rename')
    .description('rename an image no node boots')
    .argument('<old>', 'image name')
    .argument('<new>', 'new name')
    .action((from: string, to: string, _options: unknown, cmd: Command) =>
      imageRename(context(cmd), from, to),
    );
  addAuthoringCommands(image, context);
  return image;
}
