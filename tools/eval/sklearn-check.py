#!/usr/bin/env python3
"""scikit-learn on the evaluation's vectors, for `npm run eval` to set beside its own results.

Reads JSON on stdin: {"vectors": [[...]] (L2-normalised rows), "labels": [...], "folds": [fold per row],
"k": 5, "clusters": 10, "seeds": [0, 1, ...], "restarts": 10, "ourAssignments": [cluster per row]}. Writes JSON:
  knn        KNeighborsClassifier(k, metric='cosine', weights='distance', algorithm='brute'), leave-one-out:
             predictions and accuracy
  logistic   LogisticRegression(C=1, class_weight='balanced', lbfgs) on the given folds: accuracy, per fold
  centroid   NearestCentroid (euclidean, on the unit vectors) on the same folds: accuracy (for reference)
  kmeans     KMeans(clusters, n_init=restarts, random_state=seed) for each seed: NMI, ARI against the labels
  ours       NMI and ARI of our own assignments as scikit-learn scores them (checks our score functions)
Needs python3-sklearn and python3-numpy (Debian).
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.neighbors import KNeighborsClassifier, NearestCentroid


def folds_accuracy(make, x, y, folds):
    per_fold, correct = [], 0
    for fold in sorted(set(folds.tolist())):
        test = folds == fold
        model = make().fit(x[~test], y[~test])
        hits = int((model.predict(x[test]) == y[test]).sum())
        correct += hits
        per_fold.append(hits / int(test.sum()))
    return {"accuracy": correct / len(y), "perFold": per_fold}


def main():
    data = json.load(sys.stdin)
    x = np.asarray(data["vectors"], dtype=np.float64)
    y = np.asarray(data["labels"])
    folds = np.asarray(data["folds"])
    k = data["k"]

    predictions = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        knn = KNeighborsClassifier(n_neighbors=k, metric="cosine", weights="distance", algorithm="brute").fit(x[keep], y[keep])
        predictions.append(str(knn.predict(x[i : i + 1])[0]))
    knn_accuracy = float(np.mean(np.asarray(predictions) == y))

    logistic = folds_accuracy(lambda: LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000), x, y, folds)
    centroid = folds_accuracy(lambda: NearestCentroid(), x, y, folds)
    runs = [KMeans(n_clusters=data["clusters"], n_init=data["restarts"], random_state=seed).fit_predict(x) for seed in data["seeds"]]
    ours = np.asarray(data["ourAssignments"])
    json.dump(
        {
            "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__},
            "knn": {"predictions": predictions, "accuracy": knn_accuracy},
            "logistic": logistic,
            "centroid": centroid,
            "kmeans": {"nmi": [normalized_mutual_info_score(y, c) for c in runs], "ari": [adjusted_rand_score(y, c) for c in runs]},
            "ours": {"nmi": normalized_mutual_info_score(y, ours), "ari": adjusted_rand_score(y, ours)},
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
