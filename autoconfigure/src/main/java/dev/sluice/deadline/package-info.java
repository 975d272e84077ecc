/**
 * One deadline per request, propagated to every downstream call.
 */
package dev.sluice.deadline;
