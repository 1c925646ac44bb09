// The parts of three.js the HTML view uses, bundled into one classic script that sets
// window.THREE (a page opened from disk cannot load ES modules from other files).
export * from 'three';
export { OrbitControls } from 'three/addons/controls/OrbitControls.js';
