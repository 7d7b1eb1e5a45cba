//! Integration tests of the core crate, through its public interface.

mod common;
mod demo;
mod fixtures;
mod merge;
mod persistence;
mod purity;
mod risks;
