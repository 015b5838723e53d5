/** @module The learning core: pure algorithms over rows of vectors (no I/O, no runtime APIs). */

export * from './centroid.ts';
export * from './classifier.ts';
export * from './cross-validation.ts';
export * from './duplicates.ts';
export * from './kmeans.ts';
export * from './knn.ts';
export * from './logistic.ts';
export * from './recommend.ts';
export * from './rows.ts';
export * from './scores.ts';
export { SILHOUETTE_SAMPLE, silhouetteFromDistances, silhouetteSample, sampleDistances } from './silhouette.ts';
export * from './clusters.ts';
