//! Integration tests of the core crate, through its public interface.

mod attachments;
mod checklist;
mod common;
mod conflicts;
mod container;
mod dashboard;
mod demo;
mod doc_engine;
mod engine;
mod engine_codec;
mod exchange;
mod fixtures;
mod history;
mod hostile;
mod index;
mod merge;
mod model;
mod persistence;
mod preview;
mod purity;
mod reports;
mod risks;
mod seen;
mod sync;
mod transfer;
mod view;
