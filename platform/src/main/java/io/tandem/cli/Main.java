package io.tandem.cli; public class Main { public static void main(String[] a){} }
