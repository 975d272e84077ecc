/**
 * Servlet plumbing shared by the capabilities: RFC 9457 problem responses.
 */
package dev.sluice.web;
