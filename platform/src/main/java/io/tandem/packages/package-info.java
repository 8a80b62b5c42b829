/** Code packages: a content-addressed store of uploads, and the rules that make an archive safe to unpack. */
package io.tandem.packages;
