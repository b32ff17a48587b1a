"""Audio and its features, pure signal processing: decoding any file libsndfile reads to a mono
analysis signal, and the STFT, mel and MFCC pipeline the views draw. Knows nothing of datasets,
models or storage."""
