//! smime-extract
