/** The page's entry: esbuild bundles this and styles.css into assets/app-<hash>.js and .css. */
import { render } from 'preact';
import { App } from './app.js';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
