"""The dataset-wide tabs: the class gallery, the dataset map and the evaluation."""
