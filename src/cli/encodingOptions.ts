/** Command-line flags that describe an encoding: --onehot/--amplitude, --powers, --random/--scale, --vector. */
import { InputError } from '../errors.js';
import type { EncodingSpec } from '../task/encoding.js';
import { parseFinite, parseInteger, parseNumberList } from './args.js';

/** The encoding flags shared by `sgc encode` and `sgc theory`. */
export const ENCODING_OPTIONS = {
  onehot: { type: 'string' },
  amplitude: { type: 'string' },
  powers: { type: 'string' },
  random: { type: 'string' },
  scale: { type: 'string' },
  vector: { type: 'string' },
} as const;

/** The encoding flags' lines of the help of `sgc encode` and `sgc theory`. */
export const ENCODING_USAGE = `Encoding (one of; default --onehot 1 --amplitude 10):
  --onehot I [--amplitude A]   A at element I, mean-centred
  --powers P1,P2,…             one power per irrep, in the order \`sgc group\` lists them (the trivial
                               irrep's power must be 0): the class function with exactly that spectrum
  --random SEED [--scale S]    seeded Gaussian, mean-centred
  --vector V1,V2,…             the given values (one per element), mean-centred`;

/** The EncodingSpec the flags describe (default: one-hot at 1, amplitude 10). */
export function encodingFrom(values: Record<string, string | boolean | undefined>): EncodingSpec {
  const kinds = (['onehot', 'powers', 'random', 'vector'] as const).filter((k) => values[k] !== undefined);
  if (kinds.length > 1)
    throw new InputError(`give one encoding, not ${kinds.map((k) => `--${k}`).join(' and ')}`);
  if (values.amplitude !== undefined && kinds.length > 0 && kinds[0] !== 'onehot')
    throw new InputError('--amplitude applies to --onehot only');
  if (values.scale !== undefined && kinds[0] !== 'random')
    throw new InputError('--scale applies to --random only');
  switch (kinds[0]) {
    case 'powers':
      return { kind: 'powers', powers: parseNumberList(values.powers as string, '--powers') };
    case 'random':
      return {
        kind: 'random',
        seed: parseInteger(values.random as string, '--random seed'),
        ...(values.scale !== undefined ? { scale: parseFinite(values.scale as string, '--scale') } : {}),
      };
    case 'vector':
      return { kind: 'vector', values: parseNumberList(values.vector as string, '--vector') };
    default:
      return {
        kind: 'onehot',
        ...(values.onehot !== undefined
          ? { index: parseInteger(values.onehot as string, '--onehot index') }
          : {}),
        ...(values.amplitude !== undefined
          ? { amplitude: parseFinite(values.amplitude as string, '--amplitude') }
          : {}),
      };
  }
}
