// `walt image search [keyword]`: WalT's search, over the WaltImages of every namespace the user may
// list (WalT's walt: links, here <namespace>/<name>) and, with --repository, the tags of a registry
// repository. A keyword is a substring of what is printed.
import { RESOURCES, type WaltImage } from '../../api/v1alpha1/index.js';
import { modelsOf } from '../../client/image-ref.js';
import { withAuthfile } from '../../client/images/credentials.js';
import { matchesKeyword } from '../../client/images/names.js';
import { listTags } from '../../client/images/registry-copy.js';
import type { CliContext } from '../context.js';
import type { AccessOptions } from './image-authoring.js';

export interface ImageSearchOptions extends AccessOptions {
  repository?: string;
}

async function imageRows(ctx: CliContext, keyword: string | undefined): Promise<string[][]> {
  const images = (await ctx.client.list<WaltImage>(RESOURCES.image)).items;
  return images
    .map((image) => [
      `${image.metadata.namespace ?? ''}/${image.metadata.name ?? ''}`,
      image.spec.ref,
      modelsOf(image).join(',') || '-',
    ])
    .filter(([link, ref]) => matchesKeyword(`${link} ${ref}`, keyword));
}

async function tagRows(
  ctx: CliContext,
  repository: string,
  keyword: string | undefined,
  options: ImageSearchOptions,
): Promise<string[][]> {
  const credentials = {
    ...(options.secret ? { secret: options.secret } : {}),
    ...(options.authfile ? { authfile: options.authfile } : {}),
  };
  const tags = await withAuthfile(credentials, ctx.secrets, ctx.namespace, (auth) =>
    listTags(repository, {
      insecure: options.insecure ?? false,
      ...(auth.path ? { authfile: auth.path } : {}),
    }),
  );
  return tags
    .map((tag) => ['-', `${repository}:${tag}`, '?'])
    .filter(([, ref]) => matchesKeyword(ref!, keyword));
}

export async function imageSearch(
  ctx: CliContext,
  keyword: string | undefined,
  options: ImageSearchOptions,
): Promise<void> {
  const rows = [['IMAGE', 'REFERENCE', 'MODELS'], ...(await imageRows(ctx, keyword))];
  if (options.repository) rows.push(...(await tagRows(ctx, options.repository, keyword, options)));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows)
    ctx.io.out(
      `${row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('   ')
        .trimEnd()}\n`,
    );
}
