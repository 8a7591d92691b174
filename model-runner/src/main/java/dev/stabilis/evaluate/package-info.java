/**
 * Evaluates models on labelled data: accuracy, certified top-k fractions, the certified radius and attack
 * success over a data set, so that plain and hardened versions of a model can be compared side by side.
 */
package dev.stabilis.evaluate;
