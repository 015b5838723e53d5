/**
 * @module The analytics over stored items: k-NN classification, trained classifiers, clusterings,
 * near-duplicates and recommendations. No HTTP here: routes, a queue consumer or a CLI call the same.
 */
export { classify, type ClassifyOptions, type Classified } from './classify.ts';
export {
  deleteClassifier,
  getClassifier,
  listClassifiers,
  predictWith,
  summaryOf,
  trainClassifier,
  type ClassifierSummary,
  type StoredClassifier,
  type TrainRequest,
} from './classifiers.ts';
export {
  assignCluster,
  clusterMembers,
  clusteringSummary,
  createClustering,
  deleteClustering,
  getClustering,
  itemCluster,
  listClusterings,
  type ClusterRequest,
  type StoredClustering,
} from './clusterings.ts';
export type { AnalyticsContext, ResourceContext } from './context.ts';
export { checkDuplicate, defaultThreshold, findDuplicates } from './duplicates.ts';
export type { Probe } from './probe.ts';
export { recommend, type Example, type RecommendRequest } from './recommend.ts';
