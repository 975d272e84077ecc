/**
 * Handler safety: a start-up check of singleton beans for shared mutable state without protection.
 */
package dev.sluice.safety;
