"""The shipped screening model: preprocessing, hashed TF-IDF features and linear heads, stored without pickle."""
