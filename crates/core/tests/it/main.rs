//! Integration tests of the core crate, through its public interface.

mod common;
mod demo;
mod merge;
mod persistence;
mod purity;
mod risks;
