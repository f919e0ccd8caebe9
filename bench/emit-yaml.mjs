// `npm run bench -- --routes N [--scenario mixed] --emit-yaml FILE`: the generated input as plain
// multi-document YAML, so another implementation's offline translator (e.g. `egctl x translate`, or
// `portico translate -f FILE --to xds`) can be timed on exactly the objects the benchmark uses.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

/**
 * The objects as a user would write them: without the `status` the API server defaults on create.
 * YAML 1.1 quoting (what kubectl reads), long lines never folded.
 */
export function objectsToYaml(objects) {
  return objects.map(({ status, ...object }) => stringify(object, { version: '1.1', lineWidth: 0 })).join('---\n');
}

export function writeYaml(file, objects) {
  writeFileSync(file, objectsToYaml(objects));
}
