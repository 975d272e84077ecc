/**
 * Servlet plumbing shared by the capabilities and knowing none of them: RFC 9457 problem
 * responses, the base of their exception resolvers, the parsed request path and the order
 * of Sluice's filters.
 */
@NullMarked
package dev.sluice.web;

import org.jspecify.annotations.NullMarked;
