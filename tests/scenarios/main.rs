//! Scenario tests: real bots (built to wasm32-wasip2 by `bothost-guests`),
//! the real runtime and team actors, a local chat space in place of Slack.

mod admin;
mod admission;
mod availability;
mod busy;
mod contract;
mod durable;
mod events_api;
mod examples;
mod fake_slack_selftest;
mod faults;
mod hostile;
mod idle;
mod install;
mod installable;
mod languages;
mod lifecycle;
mod loading;
mod resourcer;
mod script;
mod serve;
mod slack;
mod slack_connect;
mod sources;
mod versions;
