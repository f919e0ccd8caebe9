/**
 * The argv a container runs, as Kubernetes defines it against the image (pods/#define-a-command):
 * no command and no args → ENTRYPOINT + CMD; command → command + args (the image's both ignored);
 * args only → ENTRYPOINT + args. `$(VAR)` in command and args expands to the container's env var,
 * `$$` escapes, and an undefined reference stays as written (expansion.MappingFuncFor).
 */
import type { ImageEntry } from './images.js';
import { ContainerConfigError } from '../pods/pod-fields.js';

export function expandVariables(input: string, env: Map<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const char = input[i];
    if (char !== '$' || i + 1 >= input.length) {
      out += char;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      out += env.has(name) ? env.get(name) : `$(${name})`;
      i = close;
    } else {
      out += char;
    }
  }
  return out;
}

export function containerArgv(image: ImageEntry, command: string[] | undefined, args: string[] | undefined, env: Map<string, string>): string[] {
  const expand = (values: string[]) => values.map((value) => expandVariables(value, env));
  let argv: string[];
  if (command?.length) argv = [...expand(command), ...expand(args ?? [])];
  else if (args?.length) argv = [...image.entrypoint, ...expand(args)];
  else argv = [...image.entrypoint, ...image.cmd];
  const [program, ...rest] = argv;
  if (program === undefined) throw new ContainerConfigError('the container has no command: neither the pod nor the image names one');
  return [programPath(image, program), ...rest];
}

/** A program named inside the image, as the local binary standing in for it. */
export function programPath(image: ImageEntry, program: string): string {
  return image.programs?.[program] ?? program;
}
