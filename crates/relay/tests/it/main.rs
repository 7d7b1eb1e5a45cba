//! Integration tests: the real `sms-relay` binary on a free port over a
//! temporary data directory, with native clients that sync workbooks
//! through it as the app does.

mod at_rest;
mod common;
mod converge;
mod crash;
mod files;
mod lifecycle;
mod limits;
mod open_relay;
mod owner;
mod rooms;
mod snapshot;
