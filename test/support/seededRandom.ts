export { seededRandom } from '../../scripts/model-gen/rng.js';
