import { mount } from 'svelte';
import '../ui/theme.css';
import { useLanguage } from '../ui/text/index.js';
import App from './App.svelte';

// The join page is a web page: it follows the languages the browser asks web sites for.
useLanguage(navigator.languages.length > 0 ? navigator.languages : [navigator.language], document, 'join');

mount(App, { target: document.getElementById('app')! });
