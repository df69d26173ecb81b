// `walt image build|shell|clone|publish|search|tag|cp|squash|duplicate`: image authoring with buildah
// and skopeo on the user's machine (docs/adr/0020), each result pushed to a registry the user names
// and recorded as a WaltImage of the namespace.
import { Command, Option } from 'commander';
import { imageBuild, type ImageBuildOptions } from '../actions/image-build.js';
import { imageClone, type ImageCloneOptions } from '../actions/image-clone.js';
import { imageCp, type ImageCpOptions } from '../actions/image-cp.js';
import { imageDuplicate, imageTag, type ImageTagOptions } from '../actions/image-duplicate.js';
import { imagePublish, type ImagePublishOptions } from '../actions/image-publish.js';
import { imageSearch, type ImageSearchOptions } from '../actions/image-search.js';
import { imageShell, type ImageShellOptions } from '../actions/image-shell.js';
import { imageSquash, type ImageSquashOptions } from '../actions/image-squash.js';
import type { AccessOptions, RecordOptions } from '../actions/image-authoring.js';
import type { ContextFactory } from '../context.js';

function withAccess(command: Command): Command {
  return command
    .option('--insecure', 'plain HTTP registry (local test registries)')
    .option(
      '--secret <name>',
      'registry credentials: a kubernetes.io/dockerconfigjson Secret of the namespace',
    )
    .addOption(
      new Option('--authfile <file>', 'registry credentials: a docker config.json file').conflicts('secret'),
    );
}

function withForce(command: Command): Command {
  return command.option('--force', 'replace an image of that name that points elsewhere');
}

function addBuild(image: Command, context: ContextFactory): void {
  withForce(withAccess(image.command('build')))
    .description('build an image from a Containerfile with buildah, push it and record it')
    .argument('<name>', 'name of the new image')
    .requiredOption('--from <dir>', 'directory holding the Containerfile (the build context)')
    .option('--file <file>', 'Containerfile or Dockerfile, relative to the directory')
    .requiredOption('--ref <ref>', 'where to push it: <registry>/<repository>:<tag>')
    .option('--base <image>', 'image of the namespace passed as build argument WALT_BASE (FROM ${WALT_BASE})')
    .action((name: string, options: ImageBuildOptions, cmd: Command) =>
      imageBuild(context(cmd), name, options),
    );
}

function addShell(image: Command, context: ContextFactory): void {
  withForce(withAccess(image.command('shell')))
    .description('open a shell in a container of the image; on exit the changes become a new image')
    .argument('<image>', 'image name')
    .option('--as <name>', 'name of the new image (else asked on exit)')
    .option('--ref <ref>', 'where to push it (default: the tag <name> of the same repository)')
    .action((arg: string, options: ImageShellOptions, cmd: Command) =>
      imageShell(context(cmd), arg, options),
    );
}

function addRegistryCopies(image: Command, context: ContextFactory): void {
  withForce(withAccess(image.command('clone')))
    .description('add an image from a reference (e.g. one walt image publish printed)')
    .argument('<ref>', 'OCI reference')
    .argument('[name]', 'image name (default: from the reference)')
    .option('--to <ref>', 'copy it into this registry reference first')
    .option('--to-insecure', 'the --to registry is plain HTTP')
    .action((ref: string, name: string | undefined, options: ImageCloneOptions, cmd: Command) =>
      imageClone(context(cmd), ref, name, options),
    );
  withAccess(image.command('publish'))
    .description("check WalT's conventions and push an image to a registry")
    .argument('<image>', 'image name')
    .requiredOption('--to <ref>', 'destination: <registry>/<repository>:<tag>')
    .option('--to-insecure', 'the destination registry is plain HTTP')
    .action((arg: string, options: ImagePublishOptions, cmd: Command) =>
      imagePublish(context(cmd), arg, options),
    );
  withForce(withAccess(image.command('duplicate')))
    .description('the same image under a second name (a tag of its repository)')
    .argument('<image>', 'image name')
    .argument('<new-name>', 'name of the copy')
    .action((arg: string, name: string, options: AccessOptions & RecordOptions, cmd: Command) =>
      imageDuplicate(context(cmd), arg, name, options),
    );
  withForce(withAccess(image.command('tag')))
    .description('the same image under another reference, recorded as an image')
    .argument('<image>', 'image name')
    .argument('<ref>', '<registry>/<repository>:<tag>')
    .option('--name <name>', 'name of the new image (default: from the reference)')
    .option('--to-insecure', 'the destination registry is plain HTTP')
    .action((arg: string, ref: string, options: ImageTagOptions, cmd: Command) =>
      imageTag(context(cmd), arg, ref, options),
    );
  withAccess(image.command('search'))
    .description('search images of every namespace, and tags of a repository')
    .argument('[keyword]', 'substring to look for')
    .option('--repository <repo>', 'also list the tags of <registry>/<repository>')
    .action((keyword: string | undefined, options: ImageSearchOptions, cmd: Command) =>
      imageSearch(context(cmd), keyword, options),
    );
}

function addRebuilds(image: Command, context: ContextFactory): void {
  withForce(withAccess(image.command('cp')))
    .description('copy files into an image (a new version) or out of it')
    .argument('<from>', '<local path> or <image>:<path>')
    .argument('<to>', '<image>:<path> or <local dir>')
    .option('--as <name>', 'save the changed image under this name instead')
    .action((from: string, to: string, options: ImageCpOptions, cmd: Command) =>
      imageCp(context(cmd), from, to, options),
    );
  withForce(withAccess(image.command('squash')))
    .description("merge the image's layers into one")
    .argument('<image>', 'image name')
    .option('--as <name>', 'save the squashed image under this name instead')
    .action((arg: string, options: ImageSquashOptions, cmd: Command) =>
      imageSquash(context(cmd), arg, options),
    );
}

export function addAuthoringCommands(image: Command, context: ContextFactory): void {
  addBuild(image, context);
  addShell(image, context);
  addRegistryCopies(image, context);
  addRebuilds(image, context);
}
